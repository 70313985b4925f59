// The plain reporter: one line per event for CI and pipes. Command output is shown line by line,
// prefixed with its (step, node) (`|` stdout, `!` stderr), so interleaved parallel output stays
// attributable.
import type { RunEvent } from '../model/index.js';
import { redactSecrets, secretsOf, type SecretSource } from '../errors/redact.js';
import { escapeControls, escapeOutputLine } from '../errors/escape.js';
import { formatEventLine } from './lines.js';
import { ProgressPacer } from './progress.js';
import type { Reporter, Write } from './types.js';

export interface PlainReporterOptions {
  write: Write;
  secrets?: SecretSource;
  /** Show command output lines. @default true */
  showOutput?: boolean;
  /** Least time between two progress lines of one task (CI logs stay short). @default PLAIN_PROGRESS_EVERY_MS */
  progressEveryMs?: number;
}

/** A CI log gets a progress line per running transfer or wait every 10 s. */
export const PLAIN_PROGRESS_EVERY_MS = 10_000;

interface Pending {
  prefix: string;
  rest: string;
}

export function createPlainReporter(opts: PlainReporterOptions): Reporter {
  // Partial output lines per (step, node, stream), completed by a later chunk or by task-end.
  const partial = new Map<string, Pending>();
  const pacer = new ProgressPacer(opts.progressEveryMs ?? PLAIN_PROGRESS_EVERY_MS);
  // Redacted first (a secret may contain a control character), then made inert for the terminal.
  const emit = (line: string): void => opts.write(`${escapeControls(redactSecrets(line, secretsOf(opts.secrets)))}\n`);
  const emitOutput = (prefix: string, line: string): void => opts.write(`${prefix}${escapeOutputLine(redactSecrets(line, secretsOf(opts.secrets)))}\n`);
  const flush = (task: string | undefined): void => {
    for (const [key, p] of partial) {
      if (task !== undefined && !key.startsWith(`${task}\0`)) continue;
      if (p.rest !== '') emitOutput(p.prefix, p.rest);
      partial.delete(key);
    }
  };
  return {
    onEvent(e: RunEvent) {
      if (e.kind === 'task-output') {
        if (opts.showOutput === false) return;
        const task = `${e.stepId}@${e.node}`;
        const key = `${task}\0${e.stream}`;
        const p = partial.get(key) ?? { prefix: escapeControls(`  ${task} ${e.stream === 'stderr' ? '!' : '|'} `), rest: '' };
        const lines = (p.rest + e.chunk).split('\n');
        p.rest = lines.pop() ?? '';
        partial.set(key, p);
        for (const l of lines) emitOutput(p.prefix, l);
        return;
      }
      if (e.kind === 'task-progress' && !pacer.due(e)) return;
      if (e.kind === 'task-end') {
        flush(`${e.stepId}@${e.node}`);
        pacer.forget(e.stepId, e.node);
      }
      const line = formatEventLine(e);
      if (line !== undefined) emit(line);
    },
    close() {
      flush(undefined);
      return Promise.resolve();
    },
  };
}
