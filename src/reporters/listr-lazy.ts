// The TTY reporter without listr2 in every start-up: listr2 (and its renderer) is imported when
// a run actually draws a tree. Events that arrive before the import finishes are replayed in
// order, so the tree is the same as with createListrReporter.
import type { RunEvent } from '../model/index.js';
import type { ListrReporter, ListrReporterOptions } from './listr.js';

export function createLazyListrReporter(opts: ListrReporterOptions): ListrReporter {
  const queued: RunEvent[] = [];
  let real: ListrReporter | undefined;
  const ready = import('./listr.js').then((m) => {
    real = m.createListrReporter(opts);
    for (const e of queued.splice(0)) real.onEvent(e);
  });
  // A failed import surfaces at close(), where the session awaits the reporter.
  ready.catch(() => undefined);
  return {
    onEvent: (e) => {
      if (real) real.onEvent(e);
      else queued.push(e);
    },
    async close() {
      await ready;
      await real?.close();
    },
    snapshotTree: () => real?.snapshotTree() ?? '',
  };
}
