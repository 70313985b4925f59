// Start-up cost of short commands. `kubedr plan`/`validate`/`--help` run for well under a second,
// most of it cold code (the YAML parser, validators, planner) that V8 would start optimising on
// background threads just before the process exits: CPU spent for nothing. A larger tiering
// budget lets such code stay in the interpreter and baseline tiers; code that is really hot
// (a 1,000-node plan) is still optimised, only a little later. Commands that move data or run
// for minutes (run, resume, snapshot, drill…) keep V8's defaults.
import { setFlagsFromString } from 'node:v8';

/** Commands that only read files and print (and the bare help/version). */
const SHORT = new Set(['plan', 'validate', 'runs', 'audit', 'unlock', 'help', '--help', '-h', '--version', '-V']);

/** V8's default is 67,584 bytes of bytecode (Node 20); 16× that. */
export const SHORT_COMMAND_V8_FLAGS = '--interrupt-budget=1081344';

/**
 * The flags the start-up snapshots are built and started with (dist/snapshot/v8-flags; node
 * refuses a blob started with other flags): the short commands' budget, and the hash seed baked
 * into the blob at build time kept (--no-rehash-snapshot). By default V8 picks a new random seed
 * at every start and rehashes every string and hash table of the deserialized heap: ~12 ms of
 * CPU for plan's 8 MB heap (bench `startup`). The seed protects a long-running process against
 * hash flooding by a remote party who sends crafted keys; plan, validate and help read only
 * files the operator names, and the seed is still random, drawn per install when the blob is
 * built. Commands that talk to nodes (run, resume, drill…) never start from a blob.
 */
export const SNAPSHOT_V8_FLAGS = `${SHORT_COMMAND_V8_FLAGS} --no-rehash-snapshot`;

export function isShortCommand(argv: readonly string[]): boolean {
  const first = argv[0];
  return first === undefined || SHORT.has(first);
}

/** Call before the command's modules are loaded: V8 reads the budget when it creates a function's feedback. */
export function tuneStartup(argv: readonly string[]): void {
  if (isShortCommand(argv)) setFlagsFromString(SHORT_COMMAND_V8_FLAGS);
}

/** `kubedr plan … | head`: a reader that goes away is not an error. */
export function exitQuietlyOnBrokenPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
