import { describe, expect, it } from 'vitest';
import { createListrReporter } from '../../src/reporters/listr.js';
import { createLazyListrReporter } from '../../src/reporters/listr-lazy.js';
import type { ProgressOutline } from '../../src/reporters/outline.js';
import { sampleRun } from '../audit/events.js';

const outline: ProgressOutline = {
  phases: [
    { name: 'prepare', steps: [{ id: 'check-snapshot', undoNodes: [] }, { id: 'stop-apiserver', undoNodes: ['cp-1', 'cp-2', 'cp-3'] }] },
    { name: 'restore', steps: [{ id: 'restore-etcd', undoNodes: ['cp-1', 'cp-2', 'cp-3'] }, { id: 'rejoin-learners', undoNodes: [] }, { id: 'restart-kubelet', undoNodes: [] }] },
  ],
};

describe('lazy listr reporter', () => {
  it('replays the events that came before listr2 was loaded: the same tree as the eager reporter', async () => {
    const eager = createListrReporter({ outline, renderer: 'silent' });
    const lazy = createLazyListrReporter({ outline, renderer: 'silent' });
    // All events are delivered synchronously, before the dynamic import can have resolved.
    for (const e of sampleRun().events) {
      eager.onEvent(e);
      lazy.onEvent(e);
    }
    expect(lazy.snapshotTree()).toBe('');
    await Promise.all([eager.close(), lazy.close()]);
    expect(lazy.snapshotTree()).toContain('COMPLETED restore-etcd');
    expect(lazy.snapshotTree()).toBe(eager.snapshotTree());
  });
});
