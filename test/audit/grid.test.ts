import { describe, expect, it } from 'vitest';
import { buildGrid, cellAt } from '../../src/audit/grid.js';
import { gridToJson, renderGridText } from '../../src/audit/grid-text.js';
import { EventScript, sampleRun } from './events.js';
import { recordsOf } from './records.js';

describe('buildGrid', () => {
  it('has one row per step, one column per node, and the last outcome of every pair', () => {
    const g = buildGrid(recordsOf(sampleRun().events));
    expect(g.nodes).toEqual(['@local', 'cp-1', 'cp-2', 'cp-3', 'wk-1', 'wk-2']);
    expect(g.phases).toEqual(['prepare', 'restore']);
    expect(g.steps.map((s) => s.stepId)).toEqual(['check-snapshot', 'stop-apiserver', 'restore-etcd', 'rejoin-learners', 'restart-kubelet']);
    const restore = g.steps[2];
    expect(restore && cellAt(restore, 'cp-2')).toMatchObject({ state: 'done', attempts: 2, durationMs: 4800, exitCode: 0 });
    expect(g.steps[3]).toMatchObject({ outcome: 'skipped', cells: [] });
    expect(g.sessions).toEqual([expect.objectContaining({ mode: 'run', outcome: 'done' })]);
  });

  it('distinguishes every outcome, marks rolled-back pairs, and keeps in-flight pairs of a crash', () => {
    const s = new EventScript()
      .start()
      .phase('p', (x) => {
        x.step('a', 'p', { n1: { ms: 10 }, n2: { outcome: 'unreachable', ms: 5 }, n3: { outcome: 'connection-lost', ms: 7 }, n4: { outcome: 'timed-out', ms: 9 } });
        x.step('b', 'p', { n1: { outcome: 'failed', exitCode: 3, ms: 4 }, n2: { outcome: 'assumed-done', ms: 0 }, n3: { outcome: 'skipped', ms: 0 } });
      })
      .undo('a', ['n1'])
      .end('rolled-back');
    s.events.push({ kind: 'task-start', stepId: 'c', node: 'n1', attempt: 1, commandDigest: 'x', at: '2026-11-23T17:00:00.000Z' });
    const g = buildGrid(recordsOf(s.events));
    const [a, b, c] = g.steps;
    expect(a && g.nodes.map((n) => cellAt(a, n)?.state)).toEqual(['rolled-back', 'unreachable', 'connection-lost', 'timed-out']);
    expect(a && cellAt(a, 'n1')).toMatchObject({ taskOutcome: 'done', undo: { outcome: 'done', durationMs: 200 } });
    expect(b && g.nodes.map((n) => cellAt(b, n)?.state)).toEqual(['failed', 'assumed-done', 'skipped', undefined]);
    expect(c && cellAt(c, 'n1')?.state).toBe('in-flight');
  });

  it('lets a resumed session overwrite the in-flight pair it re-ran', () => {
    const first = new EventScript().start().phase('p', (x) => x.step('a', 'p', { n1: { ms: 1 } }));
    first.events.push({ kind: 'task-start', stepId: 'b', node: 'n1', attempt: 1, commandDigest: 'x', at: '2026-11-23T16:10:00.000Z' });
    const second = new EventScript('run-1', Date.parse('2026-11-23T16:20:00.000Z')).start({ mode: 'resume' }).phase('p', (x) => x.step('b', 'p', { n1: { ms: 2 } })).end();
    const g = buildGrid(recordsOf([...first.events, ...second.events]));
    expect(g.steps.map((s) => cellAt(s, 'n1')?.state)).toEqual(['done', 'done']);
    // the interrupted execution stays on record: evidence that the step may have run twice
    expect(g.steps[1] && cellAt(g.steps[1], 'n1')?.previous).toEqual([{ state: 'in-flight', startedAt: '2026-11-23T16:10:00.000Z' }]);
    expect(g.steps[0] && cellAt(g.steps[0], 'n1')?.previous).toBeUndefined();
    expect(g.sessions.map((s) => [s.mode, s.outcome])).toEqual([['run', undefined], ['resume', 'done']]);
  });
});

describe('renderGridText', () => {
  it('prints an aligned table with a glyph and duration per cell, and a legend', () => {
    const text = renderGridText(buildGrid(recordsOf(sampleRun().events)));
    expect(text).toMatchInlineSnapshot(`
      "phase    step             @local   cp-1     cp-2       cp-3     wk-1     wk-2
      -------  ---------------  -------  -------  ---------  -------  -------  -------
      prepare  check-snapshot   ✔ 400ms
      prepare  stop-apiserver            ✔ 1.2s   ✔ 1.5s     ✔ 1.8s
      restore  restore-etcd              ✔ 5.2s   ✔ 4.8s ×2  ✔ 6.1s
      restore  rejoin-learners           -        -          -
      restore  restart-kubelet           ✔ 900ms  ✔ 900ms    ✔ 900ms  ✔ 900ms  ✔ 900ms

      ✔ done   - skipped
      "
    `);
    const lines = text.split('\n');
    // alignment: every node column starts at the same offset in every row
    const col = (lines[0] ?? '').indexOf('cp-2');
    for (const l of lines.slice(2, 7)) expect(l.length <= col || l[col - 1] === ' ').toBe(true);
  });

  it('gives JSON with one entry per (step, node) the step targeted', () => {
    const j = gridToJson(buildGrid(recordsOf(sampleRun().events))) as { steps: { stepId: string; cells: { node: string; state: string }[] }[] };
    expect(j.steps.map((s) => [s.stepId, s.cells.length])).toEqual([['check-snapshot', 1], ['stop-apiserver', 3], ['restore-etcd', 3], ['rejoin-learners', 3], ['restart-kubelet', 5]]);
    expect(j.steps[3]?.cells.every((c) => c.state === 'skipped')).toBe(true);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });
});
