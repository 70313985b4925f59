// The CLI's run signal: every running task and every call waiting for an SSH channel listens on
// it, so more than 10 at once is normal and must not print Node's listener-leak warning.
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { interruptible } from '../../src/cli/terminal.js';

describe('interruptible', () => {
  it('its signal takes 30 abort listeners without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const { abort, dispose } = interruptible();
    try {
      for (let i = 0; i < 30; i++) abort.signal.addEventListener('abort', () => undefined);
      // process.emitWarning reports on the next tick: one macrotask turn has passed it.
      await turn();
      expect(warnings).toEqual([]);
    } finally {
      dispose();
      process.off('warning', onWarning);
    }
  });
});
