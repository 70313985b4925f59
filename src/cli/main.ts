// Entry point: parse arguments, call the app layer, map errors to exit codes. Only src/cli
// touches process.exit / process.exitCode.
import { Command, CommanderError, Option } from 'commander';
import { escapeControls } from '../errors/escape.js';
import { formatProblem, InputError, KubedrError } from '../errors/index.js';
import { commands } from './commands/index.js';
import { packageVersion } from './package-info.js';

export async function main(argv: string[], program: Command = createProgram()): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

/**
 * The CLI's commands and options, not yet parsed. Reads no environment and no file but the
 * package's own package.json: the start-up snapshot (src/cli/snapshot.ts) builds it ahead of time.
 */
export function createProgram(): Command {
  const program = new Command('kubedr')
    .description('Disaster-recovery runbooks for self-managed Kubernetes, executed over SSH')
    .version(packageVersion(), '-V, --version', 'print the version of kubedr')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of commands) register(program);
  addConveniences(program);
  return program;
}

/**
 * Habits other tools taught operators, on every command that has the option: KUBEDR_STATE_DIR
 * for --state-dir, and etcdctl's `-w/--write-out` as an alias of `-o/--output`.
 */
function addConveniences(program: Command): void {
  for (const cmd of program.commands) {
    const stateDir = cmd.options.find((o) => o.long === '--state-dir');
    if (stateDir) {
      // .env() after addOption only changes the help text; the value is applied here.
      stateDir.env('KUBEDR_STATE_DIR');
      cmd.hook('preAction', (c) => {
        const env = process.env['KUBEDR_STATE_DIR'];
        if (c.getOptionValue('stateDir') === undefined && env) c.setOptionValueWithSource('stateDir', env, 'env');
      });
    }
    const output = cmd.options.find((o) => o.long === '--output');
    if (!output) continue;
    const alias = new Option('-w, --write-out <format>', 'alias of --output (etcdctl habit)');
    if (output.argChoices) alias.choices(output.argChoices);
    cmd.addOption(alias).on('option:write-out', (v: string) => cmd.setOptionValue('output', v));
  }
}

/**
 * Prints an error for the operator and returns the exit code (2 = bad input, nothing ran).
 * Messages quote inventory and param values: their control characters are shown escaped.
 */
export function reportError(err: unknown): number {
  const write = (s: string): void => void process.stderr.write(escapeControls(s));
  if (err instanceof CommanderError) {
    // commander has printed its own line ("error: unknown option …"); add the code and the fix.
    if (err.exitCode === 0) return 0;
    write(`kubedr: error CLI_USAGE (${err.code})\n    fix: see \`kubedr --help\` or \`kubedr <command> --help\` for the flags and values each command takes\n`);
    return 2;
  }
  if (err instanceof InputError) {
    for (const p of err.problems) write(`${formatProblem(p)}\n`);
    write(`kubedr: ${err.message}; nothing was executed\n`);
    return 2;
  }
  if (err instanceof KubedrError) {
    write(`kubedr: error ${err.code}: ${err.message}\n`);
    if (err.hint) write(`    fix: ${err.hint}\n`);
    return err.exitCode;
  }
  write(`kubedr: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
