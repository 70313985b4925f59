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
 * refuses a blob started with other flags): the short commands' budget, and no rehashing at
 * start (--no-rehash-snapshot). By default V8 draws a new random hash seed at every start and
 * rehashes every string and hash table of the deserialized heap: ~12 ms of CPU for plan's 8 MB
 * heap (bench `startup`). Without it the process keeps the seed in the blob, which is the one
 * this node binary's own snapshot was built with (the builder does not rehash either, and
 * --hash-seed cannot override a snapshot's): the same for every install of this node version,
 * so public. A random seed protects a long-running process against hash flooding, a remote
 * party sending many keys crafted to collide. plan, validate and help read only files the
 * operator names, each at most 16 MiB, once, and exit: whoever can write those files can make
 * them slow anyway (a YAML map's duplicate-key check is quadratic in its size). Commands that
 * talk to nodes or read their output (run, resume, drill…) never start from a blob.
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
