// The CLI as a V8 start-up snapshot, for plan and validate. scripts/bundle-cli.ts bundles this file
// into dist/snapshot/kubedr.cjs; scripts/build-snapshot.mjs runs it once under `node
// --build-snapshot`, and bin/kubedr starts those commands from the resulting blob when it was
// built by the very node binary that runs it (help and --version: src/cli/snapshot-help.ts).
//
// Why: `kubedr plan` spent most of its CPU loading and compiling the bundle, loading built-in
// modules, and running the YAML parser, validators and planner cold. A snapshot starts with all of
// that done: the modules are loaded, the code they ran while the snapshot was built is compiled,
// the command tree is built and the built-in runbooks are parsed.
//
// What runs while the snapshot is built stays in it, so nothing here (or in the modules it loads)
// may read the environment, the clock, the terminal or a user's file at load time: only at
// `start`. test/cli/snapshot.test.ts runs every case through both paths and compares the output.
import { makeSnapshot } from './snapshot-parts.js';
import { warmUp } from './snapshot-warm-up.js';

makeSnapshot(warmUp);
