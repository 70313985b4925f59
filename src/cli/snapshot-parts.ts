// The start-up snapshots' common parts. Their entries (src/cli/snapshot.ts, snapshot-help.ts)
// may export nothing (node builds a snapshot from a script without `module`) and call
// makeSnapshot. Importing this module does nothing; it loads commander and the command files only.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';
import { createProgram, main } from './main.js';
import { exitQuietlyOnBrokenPipe } from './startup.js';

declare global {
  /** `import.meta.url` of the bundled modules (the bundle's define): a file two levels below the package root. */
  var __kubedrModuleUrl: string;
  /** Loads the packages left out of the bundle (ssh2, zx) from the package's node_modules. */
  var __kubedrRequire: (id: string) => unknown;
}

/** The package root of a snapshot blob at <root>/dist/snapshot/<blob>. */
export function packageRootOfBlob(blob: string): string {
  return resolve(dirname(blob), '..', '..');
}

/** The blob this process started from: `--snapshot-blob PATH` or `--snapshot-blob=PATH` in execArgv. */
export function blobOf(execArgv: readonly string[]): string | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i] ?? '';
    if (a === '--snapshot-blob') return execArgv[i + 1];
    if (a.startsWith('--snapshot-blob=')) return a.slice('--snapshot-blob='.length);
  }
  return undefined;
}

export function locate(root: string): void {
  globalThis.__kubedrModuleUrl = pathToFileURL(join(root, 'dist', 'cli', 'entry.js')).href;
  globalThis.__kubedrRequire = createRequire(join(root, 'package.json'));
}

/**
 * Formats the help of every command of a throwaway program (80 columns, no colour, as for a pipe):
 * the help code is compiled then. Through commander's Help directly: the program's own output
 * functions would look at process.stdout, which must not exist in the snapshot.
 */
export function warmUpHelp(): void {
  const program = createProgram();
  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    const help = cmd.createHelp();
    help.prepareContext({ helpWidth: 80, outputHasColors: false });
    help.formatHelp(cmd, help);
  }
}

export async function start(program: ReturnType<typeof createProgram>): Promise<void> {
  const blob = blobOf(process.execArgv);
  if (blob === undefined) throw new Error('started from a snapshot without --snapshot-blob in execArgv: run kubedr through bin/kubedr, or set KUBEDR_NO_SNAPSHOT=1');
  locate(packageRootOfBlob(blob));
  exitQuietlyOnBrokenPipe();
  if (process.env['KUBEDR_TRACE_START'] === '1') process.stderr.write(`kubedr: started from the snapshot ${blob}\n`);
  // `node --snapshot-blob B -- ARGS`: argv is [node, ...ARGS].
  process.exitCode = await main(process.argv.slice(1), program);
}

/**
 * When node is building a snapshot of this script: sets the package's place (KUBEDR_SNAPSHOT_ROOT,
 * from scripts/build-snapshot.mjs), runs `warmUp`, builds the command tree and makes `start` the
 * snapshot's main function. Otherwise does nothing.
 */
export function makeSnapshot(warmUp: () => unknown): void {
  if (!startupSnapshot.isBuildingSnapshot()) return;
  const root = process.env['KUBEDR_SNAPSHOT_ROOT'];
  if (root === undefined || root === '') throw new Error('KUBEDR_SNAPSHOT_ROOT (the package root) must be set to build the snapshot (scripts/build-snapshot.mjs)');
  locate(root);
  warmUp();
  warmUpHelp();
  const program = createProgram();
  startupSnapshot.setDeserializeMainFunction(() => {
    start(program).catch((err: unknown) => {
      process.stderr.write(`kubedr: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
  });
}
