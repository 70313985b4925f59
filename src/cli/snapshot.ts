// The CLI as a V8 start-up snapshot, for the short commands (plan, validate, help, --version).
// scripts/bundle-cli.ts bundles this file into dist/snapshot/kubedr.cjs; scripts/build-snapshot.mjs
// runs it once under `node --build-snapshot`, and bin/kubedr starts those commands from the
// resulting blob when it was built by the very node binary that runs it.
//
// Why: `kubedr plan` spent most of its CPU loading and compiling the bundle, loading built-in
// modules, and running the YAML parser, validators and planner cold. A snapshot starts with all of
// that done: the modules are loaded, the code they ran while the snapshot was built is compiled,
// the command tree is built and the built-in runbooks are parsed (prepareYaml: used only when the
// file read has exactly that text).
//
// What runs while the snapshot is built stays in it, so nothing here (or in the modules it loads)
// may read the environment, the clock, the terminal or a user's file at load time: only at
// `start`. test/cli/snapshot.test.ts runs every case through both paths and compares the output.
import { startupSnapshot } from 'node:v8';
import { createProgram } from './main.js';
import { locate, start, warmUp, warmUpHelp } from './snapshot-parts.js';

if (startupSnapshot.isBuildingSnapshot()) {
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
