// Second half of `npm run build` (after tsc's dist/): bundles the CLI (from src/, as esbuild
// strips the types) into a few files under dist/bundle/, which bin/kubedr.js prefers. Why: a
// `kubedr plan` spent ~150 ms of CPU resolving, reading and compiling ~80 separate modules; one
// bundle with lazily loaded chunks (each command's code is a dynamic import) starts in about half
// that. dist/bundle/ is two levels below the repository like dist/<folder>/, so paths built from
// import.meta.url (../../schemas) stay right. ssh2 (optional native parts) and zx stay in
// node_modules.
//
// Then the start-up snapshots (src/cli/snapshot.ts, snapshot-help.ts): the same sources as two
// CommonJS files, dist/snapshot/kubedr.cjs and help.cjs, which scripts/build-snapshot.mjs turns
// into the blobs bin/kubedr starts plan and validate, and help and --version from.
import { build, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SNAPSHOT_V8_FLAGS } from '../src/cli/startup.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const minify = { minifyWhitespace: true, minifySyntax: true } as const;

/**
 * In the snapshot bundle nothing may load a file from node_modules while the snapshot is built
 * (node refuses it), so:
 * - the generated validators' helpers (`require("ajv/dist/runtime/…")` through createRequire)
 *   are bundled: the createRequire line is dropped and esbuild resolves the plain require();
 * - ssh2 and zx become stubs that load the real package through globalThis.__kubedrRequire on
 *   first use, which only commands that connect do (never plan, validate or help).
 */
const snapshotSafe: Plugin = {
  name: 'kubedr-snapshot-safe',
  setup(b) {
    b.onLoad({ filter: /[\\/]schema[\\/]generated[\\/]validators\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const line = 'const require = createRequire(import.meta.url);';
      if (!text.includes(line)) throw new Error(`${args.path}: expected "${line}" (scripts/gen-validators.ts)`);
      return { contents: text.replace(line, ''), loader: 'ts' };
    });
    b.onResolve({ filter: /^(ssh2|zx)(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'kubedr-runtime-require' }));
    b.onLoad({ filter: /.*/, namespace: 'kubedr-runtime-require' }, (args) => ({ contents: `module.exports = globalThis.__kubedrRequire(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/**
 * The help snapshot's bundle leaves out every module a command loads when it runs (a dynamic
 * import in src/cli): bin/kubedr starts only help and --version from it, which run no command.
 */
const commandsLeftOut: Plugin = {
  name: 'kubedr-commands-left-out',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' && /[\\/]src[\\/]cli[\\/]/.test(args.importer) ? { path: args.path, namespace: 'kubedr-left-out' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'kubedr-left-out' }, (args) => ({ contents: `throw new Error(${JSON.stringify(`${args.path} is not in the help snapshot (scripts/bundle-cli.ts)`)});`, loader: 'js' }));
  },
};

/** Builds <out>/dist/bundle and <out>/dist/snapshot (with the blob, by <out>/scripts/build-snapshot.mjs) from this repository's src/. */
export async function bundleCli(out: string = root): Promise<void> {
  const outdir = join(out, 'dist', 'bundle');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, 'src', 'cli', 'entry.ts')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['ssh2', 'zx'],
    // Bundled CommonJS packages (yaml, commander) call require() for Node built-ins.
    banner: { js: "import { createRequire as __kubedrCreateRequire } from 'node:module'; const require = __kubedrCreateRequire(import.meta.url);" },
    logLevel: 'warning',
    ...minify,
  });

  const snapdir = join(out, 'dist', 'snapshot');
  rmSync(snapdir, { recursive: true, force: true });
  // plan and validate (kubedr.cjs); help and --version (help.cjs, a smaller heap: a faster start).
  for (const [entry, file, plugins] of [['snapshot.ts', 'kubedr.cjs', [snapshotSafe]], ['snapshot-help.ts', 'help.cjs', [commandsLeftOut, snapshotSafe]]] as const) {
    await build({
      entryPoints: [join(root, 'src', 'cli', entry)],
      outfile: join(snapdir, file),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      define: { 'import.meta.url': 'globalThis.__kubedrModuleUrl' },
      plugins: [...plugins],
      logLevel: 'warning',
      ...minify,
    });
  }
  // The flags the blob is built with; node refuses a blob started with others.
  writeFileSync(join(snapdir, 'v8-flags'), `${SNAPSHOT_V8_FLAGS}\n`);
  const made = spawnSync(process.execPath, [join(out, 'scripts', 'build-snapshot.mjs')], { stdio: 'inherit' });
  if (made.status !== 0) throw new Error(`scripts/build-snapshot.mjs exited ${String(made.status ?? made.signal)}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await bundleCli();
