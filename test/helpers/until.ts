// Waits for a condition, never for a duration: the poll interval only sets how often we look,
// and the test's own timeout bounds the wait, so a loaded machine is slower but never wrong.
import { existsSync } from 'node:fs';

/** Polls `probe` until it holds (`what` names the condition for a reader of a timed-out test). */
export async function until(what: string, probe: () => boolean | Promise<boolean>, intervalMs = 10): Promise<void> {
  while (!(await probe())) await new Promise((r) => setTimeout(r, intervalMs, what));
}

/** Resolves once every path exists. */
export const untilExists = (...paths: string[]): Promise<void> => until(`${paths.join(', ')} to exist`, () => paths.every((p) => existsSync(p)));
