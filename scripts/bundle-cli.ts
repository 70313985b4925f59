// Second half of `npm run build`: bundles the compiled CLI (dist/cli/entry.js, from tsc) into a
// few files under dist/bundle/, which bin/kubedr.js prefers. Why: a `kubedr plan` spent ~150 ms
// of CPU resolving, reading and compiling ~80 separate modules; one bundle with lazily loaded
// chunks (each command's code is a dynamic import) starts in about half that. dist/bundle/ is two
// levels below the repository like dist/<folder>/, so paths built from import.meta.url
// (../../schemas) stay right. ssh2 (optional native parts) and zx stay in node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${root}dist/cli/entry.js`],
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
  minifyWhitespace: true,
  minifySyntax: true,
});
