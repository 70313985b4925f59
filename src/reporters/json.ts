// `--output json`: one event per line, exactly the RunEvent shape, secrets scrubbed. Progress
// events (the engine's, about one a second per running transfer or wait) are thinned to one per
// task every JSON_PROGRESS_EVERY_MS.
import { redactText, secretsOf, type SecretSource } from '../errors/redact.js';
import { escapeJsonControls } from '../errors/escape.js';
import { ProgressPacer } from './progress.js';
import type { Reporter, Write } from './types.js';

export const JSON_PROGRESS_EVERY_MS = 2000;

export function createJsonReporter(opts: { write: Write; secrets?: SecretSource; progressEveryMs?: number }): Reporter {
  const pacer = new ProgressPacer(opts.progressEveryMs ?? JSON_PROGRESS_EVERY_MS);
  return {
    onEvent(e) {
      if (e.kind === 'task-progress' && !pacer.due(e)) return;
      if (e.kind === 'task-end') pacer.forget(e.stepId, e.node);
      opts.write(`${escapeJsonControls(JSON.stringify(redactText(e, secretsOf(opts.secrets))))}\n`);
    },
    close: () => Promise.resolve(),
  };
}
