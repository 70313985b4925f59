// What the executing commands need from the terminal: flags shared by run/resume/rollback,
// the reporter choice, prompts (secrets with echo off), Ctrl-C → abort, the final summary.
import { Option, type Command } from 'commander';
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline/promises';
import type { OperateOptions } from '../app/operate.js';
import type { Prompt } from '../app/secrets.js';
import { escapeControls } from '../errors/escape.js';
import { KubedrError } from '../errors/index.js';
// Not reporters/index.js: that would load listr2 into every start-up (choose.ts loads it on use).
import { chooseReporter, isCi } from '../reporters/choose.js';
import { outlineOfPlan } from '../reporters/outline.js';
import { addSshFlags, sshConfigOption, type SshFlags } from './ssh-flags.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export interface ExecuteFlags extends SshFlags {
  yes?: boolean;
  concurrency?: string;
  rollback?: 'auto' | 'prompt' | 'never';
  output: 'text' | 'json';
  stateDir?: string;
  acceptNewHostKeys?: boolean;
  paramFromEnv: string[];
}

/** Flags of every command that executes on nodes. */
export function addExecuteFlags(cmd: Command, opts: { rollback: boolean }): Command {
  cmd
    .option('--param-from-env <NAME=ENVVAR>', 'take secret param NAME from environment variable ENVVAR (repeatable); secrets are never given on the command line', collect, [])
    .option('-y, --yes', 'approve every confirmation without asking')
    .option('--concurrency <n>', 'most tasks running at once across all nodes (default 16)')
    .addOption(new Option('-o, --output <format>', 'progress: text (listr2 on a terminal, one line per event otherwise) or json (one event per line)').choices(['text', 'json']).default('text'))
    .option('--state-dir <dir>', 'where runs, journals, audit logs and locks live (default .kubedr)')
    .option('--accept-new-host-keys', 'record unknown SSH host keys in known_hosts instead of refusing (changed keys are always refused)');
  addSshFlags(cmd);
  if (opts.rollback) cmd.addOption(new Option('--rollback <policy>', 'when a step fails: undo completed steps automatically, ask, or never').choices(['auto', 'prompt', 'never']).default('prompt'));
  return cmd;
}

/** Exit code of a run stopped at a question nobody could answer (no terminal, no --yes). */
export const EXIT_NOT_APPROVED = 3;

/**
 * Flags → the app's options, with the terminal's reporter, prompt and Ctrl-C. Questions that
 * cannot be asked (no terminal) are printed and collected in `unasked`.
 */
export function operateOptions(f: ExecuteFlags, abort: AbortController, unasked: string[] = []): OperateOptions {
  const concurrency = f.concurrency === undefined ? undefined : Number(f.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new KubedrError('CLI_BAD_CONCURRENCY', `--concurrency ${f.concurrency}: not a whole number ≥ 1`, { hint: 'give --concurrency a whole number such as 8 (the default is 16)', exitCode: 2 });
  }
  const prompt = process.stdin.isTTY ? terminalPrompt : undefined;
  const yes = f.yes ?? false;
  return {
    paramFromEnv: f.paramFromEnv,
    env: process.env,
    ...(prompt ? { prompt } : {}),
    // Each key recorded is named, so the operator can check it against the node out of band.
    onHostKey: (e) => process.stderr.write(escapeControls(`kubedr: recorded new host key ${e.fingerprint} for node ${e.node} (${e.address}) in ${e.knownHostsFile}\n`)),
    onUnasked: (question) => {
      unasked.push(question);
      process.stderr.write(escapeControls(`kubedr: approval needed, but there is no terminal to ask on:\n    ${question}\n`));
    },
    yes,
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(f.rollback ? { rollback: f.rollback } : {}),
    acceptNewHostKeys: f.acceptNewHostKeys ?? false,
    ...(f.stateDir !== undefined ? { stateDir: f.stateDir } : {}),
    ...sshConfigOption(f),
    signal: abort.signal,
    reporter: (plan, secrets) =>
      chooseReporter({
        output: f.output,
        isTTY: process.stdout.isTTY,
        ci: isCi(process.env),
        outline: outlineOfPlan(plan),
        // listr2 would hide a question: any confirm, or a rollback prompt, means plain output.
        prompts: prompt !== undefined && !yes && (f.rollback === 'prompt' || plan.phases.some((p) => p.steps.some((s) => s.confirm !== undefined || s.tasks.some((t) => t.action.kind === 'confirm')))),
        write: (s) => process.stdout.write(s),
        secrets,
      }),
    onPlanned: ({ runId, warnings }) => {
      for (const w of warnings) process.stderr.write(escapeControls(`${w.severity} ${w.code}: ${w.message}\n`));
      if (f.output !== 'json') process.stderr.write(`kubedr: run ${runId}\n`);
    },
  };
}

/** First Ctrl-C: stop starting tasks and leave a resumable journal. Second: leave at once. */
export function interruptible(): { abort: AbortController; dispose: () => void } {
  const abort = new AbortController();
  // Every running task and every call waiting for a channel listens on it: no leak warning.
  setMaxListeners(0, abort.signal);
  const onSigint = (): void => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('\nkubedr: interrupted; stopping after the running tasks (Ctrl-C again to quit now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  return { abort, dispose: () => process.off('SIGINT', onSigint) };
}

/**
 * After a run that stopped at an unasked question: says how to approve, returns EXIT_NOT_APPROVED.
 * Undefined when no question went unasked.
 */
export function notApprovedExit(runId: string, unasked: readonly string[], outcome: string): number | undefined {
  if (unasked.length === 0 || outcome === 'done') return undefined;
  process.stderr.write(`kubedr: ${unasked.length} question(s) not approved: no terminal to ask on (nothing was declined). Read them above, then approve with \`kubedr resume ${runId} --yes\`, or resume from a terminal to be asked\n`);
  return EXIT_NOT_APPROVED;
}

/** Exit code of an executed run: 0 only when everything asked for was done. */
export function exitCodeOf(outcome: string, wanted: string): number {
  return outcome === wanted ? 0 : 1;
}

export function summary(runId: string, outcome: string, extra = ''): void {
  process.stderr.write(`kubedr: run ${runId} ${outcome}${extra}; see \`kubedr audit ${runId}\`\n`);
}

const terminalPrompt: Prompt = async (question, { secret }) => (secret ? readHidden(question) : readLine(question));

async function readLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** Reads a line with echo off (raw mode), so a secret never shows on the screen. */
function readHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (s: string): void => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return void (done(), resolve(value));
        if (ch === '\u0003') return void (done(), reject(new KubedrError('CLI_INTERRUPTED', 'interrupted while asking for a secret', { exitCode: 2 })));
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}
