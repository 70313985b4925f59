import { describe, expect, it } from 'vitest';
import type { PlanPhase } from '../../src/model/index.js';
import { createListrReporter } from '../../src/reporters/listr.js';
import { outlineOfPlan, type ProgressOutline } from '../../src/reporters/outline.js';
import { EventScript, sampleRun } from '../audit/events.js';

import { until } from '../helpers/until.js';

// listr2 applies updates asynchronously: wait until the tree shows what the test looks for.
const shows = (r: { snapshotTree(): string }, what: RegExp | string): Promise<void> =>
  until(`the tree to show ${String(what)}`, () => (typeof what === 'string' ? r.snapshotTree().includes(what) : what.test(r.snapshotTree())));

const sampleOutline: ProgressOutline = {
  phases: [
    { name: 'prepare', steps: [{ id: 'check-snapshot', undoNodes: [] }, { id: 'stop-apiserver', undoNodes: ['cp-1', 'cp-2', 'cp-3'] }] },
    { name: 'restore', steps: [{ id: 'restore-etcd', undoNodes: ['cp-1', 'cp-2', 'cp-3'] }, { id: 'rejoin-learners', undoNodes: [] }, { id: 'restart-kubelet', undoNodes: [] }] },
  ],
};

describe('listr reporter', () => {
  it('maps the event stream onto phases → steps → nodes with durations and retries', async () => {
    const r = createListrReporter({ outline: sampleOutline, renderer: 'silent' });
    for (const e of sampleRun().events) r.onEvent(e);
    await r.close();
    expect(r.snapshotTree()).toMatchInlineSnapshot(`
      "COMPLETED prepare
        COMPLETED check-snapshot [402ms]
          COMPLETED @local [400ms]
        COMPLETED stop-apiserver [1.8s]
          COMPLETED cp-1 [1.2s]
          COMPLETED cp-2 [1.5s]
          COMPLETED cp-3 [1.8s]
      COMPLETED restore
        COMPLETED restore-etcd [6.1s]
          COMPLETED cp-1 [5.2s]
          COMPLETED cp-2 (retry 1: connection reset) [4.8s]
          COMPLETED cp-3 [6.1s]
        SKIPPED rejoin-learners — skipped
        COMPLETED restart-kubelet [906ms]
          COMPLETED cp-1 [900ms]
          COMPLETED cp-2 [900ms]
          COMPLETED cp-3 [900ms]
          COMPLETED wk-1 [900ms]
          COMPLETED wk-2 [900ms]
      "
    `);
  });

  it('shows a retry while the node is still running, and progress as events arrive', async () => {
    const r = createListrReporter({ outline: sampleOutline, renderer: 'silent', secrets: ['secret-token-abc'] });
    const events = sampleRun().events;
    const retryAt = events.findIndex((e) => e.kind === 'task-retry');
    for (const e of events.slice(0, retryAt + 1)) r.onEvent(e);
    await shows(r, /STARTED cp-2 \(retry 1: connection reset\)/);
    const mid = r.snapshotTree();
    expect(mid).toContain('COMPLETED stop-apiserver [');
    expect(mid).toMatch(/STARTED cp-2 \(retry 1: connection reset\)/);
    expect(mid).toMatch(/WAITING restart-kubelet/);
    r.onEvent({ kind: 'task-output', stepId: 'restore-etcd', node: 'cp-2', stream: 'stdout', chunk: 'restoring 42%\r\nsecret-token-abc\n\n' });
    await shows(r, '> [REDACTED]');
    // the running node shows its last output line, scrubbed
    expect(r.snapshotTree()).toMatch(/STARTED cp-2 \(retry 1: connection reset\) > \[REDACTED\]\n/);
    for (const e of events.slice(retryAt + 1)) r.onEvent(e);
    await r.close();
    expect(r.snapshotTree()).toMatch(/COMPLETED cp-2 \(retry 1: connection reset\) \[4\.8s\]/);
  });

  it('fails nodes with their outcome, skips steps never reached, and shows the rollback section', async () => {
    const r = createListrReporter({ outline: sampleOutline, renderer: 'silent', secrets: ['hunter2-secret'] });
    const s = new EventScript()
      .start()
      .phase('prepare', (x) => {
        x.step('check-snapshot', 'prepare', { '@local': {} });
        x.step('stop-apiserver', 'prepare', { 'cp-1': {}, 'cp-2': { outcome: 'failed', exitCode: 4, error: 'denied hunter2-secret' }, 'cp-3': { outcome: 'unreachable' } });
      })
      .undo('stop-apiserver', ['cp-1'])
      .end('rolled-back');
    for (const e of s.events) r.onEvent(e);
    await r.close();
    const tree = r.snapshotTree();
    expect(tree).toMatchInlineSnapshot(`
      "COMPLETED prepare
        COMPLETED check-snapshot [1.0s]
          COMPLETED @local [1.0s]
        COMPLETED stop-apiserver [1.0s]
          COMPLETED cp-1 [1.0s]
          FAILED cp-2 [1.0s] — cp-2: failed (exit 4): denied [REDACTED]
          FAILED cp-3 [1.0s] — cp-3: unreachable
      COMPLETED restore
        SKIPPED restore-etcd — not run
        SKIPPED rejoin-learners — not run
        SKIPPED restart-kubelet — not run
      COMPLETED rollback
        SKIPPED undo restore-etcd — nothing to undo
        COMPLETED undo stop-apiserver
          COMPLETED cp-1 [200ms]
          SKIPPED cp-2 — nothing to undo
          SKIPPED cp-3 — nothing to undo
      "
    `);
    expect(tree).not.toContain('hunter2-secret');
  });

  it('in rollback mode draws only the undo steps', async () => {
    const r = createListrReporter({ outline: sampleOutline, renderer: 'silent' });
    const s = new EventScript().start({ mode: 'rollback' }).undo('restore-etcd', ['cp-1', 'cp-2']).undo('stop-apiserver', ['cp-1', 'cp-2', 'cp-3'], 'failed').end('failed');
    for (const e of s.events) r.onEvent(e);
    await r.close();
    expect(r.snapshotTree()).toMatchInlineSnapshot(`
      "COMPLETED rollback
        COMPLETED undo restore-etcd
          COMPLETED cp-1 [200ms]
          COMPLETED cp-2 [200ms]
          SKIPPED cp-3 — nothing to undo
        COMPLETED undo stop-apiserver
          FAILED cp-1 [200ms] — cp-1: undo failed (exit 1)
          FAILED cp-2 [200ms] — cp-2: undo failed (exit 1)
          FAILED cp-3 [200ms] — cp-3: undo failed (exit 1)
      "
    `);
  });

  it('draws a step on more nodes than collapseAbove as one line with counts, naming only its failed nodes', async () => {
    const nodes = Array.from({ length: 12 }, (_, i) => `w${i + 1}`);
    const big: ProgressOutline = { phases: [{ name: 'fanout', steps: [{ id: 'drain', undoNodes: nodes }, { id: 'patch', undoNodes: [] }] }] };
    const r = createListrReporter({ outline: big, renderer: 'silent', secrets: ['s3cret'] });
    const s = new EventScript().start().phase('fanout', (x) => {
      x.step('drain', 'fanout', Object.fromEntries(nodes.map((n) => [n, n === 'w4' ? { retries: 1 } : {}])));
      x.step('patch', 'fanout', Object.fromEntries(nodes.map((n) => [n, n === 'w2' || n === 'w9' ? { outcome: 'failed' as const, error: 'no s3cret' } : n === 'w5' ? { outcome: 'unreachable' as const } : {}])));
    });
    const patchEnd = s.events.findIndex((e) => e.kind === 'task-end' && e.stepId === 'patch' && e.node === 'w5');
    for (const e of s.events.slice(0, patchEnd + 1)) r.onEvent(e);
    await shows(r, '2 failed (w2, w5)');
    r.onEvent({ kind: 'task-output', stepId: 'patch', node: 'w11', stream: 'stdout', chunk: 'patching s3cret\n' });
    await shows(r, 'w11: patching');
    // while it runs: counts, and the last output line under the step with its node
    expect(r.snapshotTree()).toMatch(/STARTED patch — 12 nodes: 3 done, 7 running, 2 failed \(w2, w5\) > w11: patching \[REDACTED\]\n/);
    s.undo('drain', nodes.slice(0, 11)).undo('drain', ['w12'], 'failed').end('rolled-back');
    for (const e of s.events.slice(patchEnd + 1)) r.onEvent(e);
    await r.close();
    expect(r.snapshotTree()).toMatchInlineSnapshot(`
      "COMPLETED fanout
        COMPLETED drain [1.2s] — 12 nodes: 12 done, 1 retry
        COMPLETED patch [1.0s] — 12 nodes: 9 done, 3 failed (w2, w5, w9)
          FAILED w2 [1.0s] — w2: failed (exit 1): no [REDACTED]
          FAILED w5 [1.0s] — w5: unreachable
          FAILED w9 [1.0s] — w9: failed (exit 1): no [REDACTED]
      COMPLETED rollback
        COMPLETED undo drain — 12 nodes: 11 undone, 1 failed (w12)
          FAILED w12 [200ms] — w12: undo failed (exit 1)
      "
    `);
  });

  it('settles every task on close even if the run never ended (crash, abort)', async () => {
    const r = createListrReporter({ outline: sampleOutline, renderer: 'silent' });
    const events = sampleRun().events;
    for (const e of events.slice(0, 6)) r.onEvent(e);
    await r.close();
    expect(r.snapshotTree()).not.toMatch(/STARTED|WAITING/);
  });
});

describe('outlineOfPlan', () => {
  it('takes phases, steps and the nodes that have an undo', () => {
    const task = (node: string, undo: boolean) => ({ key: `s@${node}`, stepId: 's', node, action: { kind: 'local', command: { parts: [] } }, ...(undo ? { undo: { kind: 'local', command: { parts: [] } } } : {}) });
    const phases = [{ name: 'p', steps: [{ id: 's', tasks: [task('a', true), task('b', false)] }] }] as unknown as PlanPhase[];
    expect(outlineOfPlan({ phases })).toEqual({ phases: [{ name: 'p', steps: [{ id: 's', undoNodes: ['a'] }] }] });
  });
});
