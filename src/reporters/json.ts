// `--output json`: one event per line, exactly the RunEvent shape, secrets scrubbed.
import { redactText, secretsOf, type SecretSource } from '../errors/redact.js';
import type { Reporter, Write } from './types.js';

export function createJsonReporter(opts: { write: Write; secrets?: SecretSource }): Reporter {
  return {
    onEvent(e) {
      opts.write(`${JSON.stringify(redactText(e, secretsOf(opts.secrets)))}\n`);
    },
    close: () => Promise.resolve(),
  };
}
