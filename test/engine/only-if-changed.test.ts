// onlyIfChanged at run time, on real files: a step runs only when the step it names changed
// something. A manifest edit reports no change when it finds the file as it would leave it and no
// earlier attempt of the run kept the original; anything else counts as a change, and a resumed
// run decides from the journal as the first process did.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replayJournal } from '../../src/journal/index.js';
import type { PlannedAction } from '../../src/model/index.js';
import { DirTransport } from './support/dir-transport.js';
import { runInMemory, type Harness } from './support/harness.js';
import { lit, makePlan, sh, type StepSpec } from './support/plans.js';

const NODES = ['cp1', 'cp2'];
const FILE = 'etc/kubernetes/manifests/etcd.yaml';
const manifest = (state: string): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\nspec:\n  containers:\n  - command:\n    - etcd\n    - --initial-cluster-state=${state}\n    name: etcd\n`;
const setState = (state: string): PlannedAction => ({ kind: 'manifest', file: lit(FILE), sudo: false, edits: [{ op: 'setFlag', flag: 'initial-cluster-state', value: lit(state) }] });

let root: string;
let t: DirTransport;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kubedr-changed-'));
  t = new DirTransport(root);
  for (const n of NODES) {
    mkdirSync(join(root, n, 'etc/kubernetes/manifests'), { recursive: true });
    writeFileSync(join(root, n, FILE), manifest('existing'));
  }
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** `edit` sets the flag; `handler` (onlyIfChanged: edit) leaves a mark on each node it runs on. */
const plan = (edit: PlannedAction, over: Partial<StepSpec> = {}, tail: StepSpec[] = []) =>
  makePlan([
    { id: 'edit', nodes: NODES, action: edit, ...over },
    { id: 'handler', nodes: NODES, idempotent: true, onlyIfChanged: 'edit', action: sh('touch handled') },
    ...tail,
  ]);
const handled = (): string[] => NODES.filter((n) => existsSync(join(root, n, 'handled')));
const stepEnd = (h: Harness, id: string) => h.events.find((e) => e.kind === 'step-end' && e.stepId === id);

describe('onlyIfChanged', () => {
  it('skips the step when the edit changed no node, says why, and journals each task as unchanged', async () => {
    const h = await runInMemory(plan(setState('existing')), t);
    expect(h.result.outcome).toBe('done');
    expect(handled()).toEqual([]);
    expect(stepEnd(h, 'handler')).toMatchObject({ outcome: 'skipped', reason: 'edit changed nothing on cp1, cp2' });
    expect(h.journal.filter((r) => r.r === 'task-end' && r.key.startsWith('edit@')).map((r) => r.r === 'task-end' && r.unchanged)).toEqual([true, true]);
    expect(readFileSync(join(root, 'cp1', FILE), 'utf8')).toBe(manifest('existing'));
  });

  it('runs it on every node when the edit changed one', async () => {
    writeFileSync(join(root, 'cp2', FILE), manifest('new'));
    const h = await runInMemory(plan(setState('existing')), t);
    expect(h.result.outcome).toBe('done');
    expect(handled()).toEqual(NODES);
    expect(stepEnd(h, 'handler')).toMatchObject({ outcome: 'done' });
    expect(readFileSync(join(root, 'cp2', FILE), 'utf8')).toBe(manifest('existing'));
  });

  it('counts an edit as a change when an earlier attempt of the run kept the original (it may have written, then crashed)', async () => {
    const kept = join(root, 'cp1', 'etc/kubernetes/kubedr-backup/run-1/edit/etcd.yaml');
    mkdirSync(join(kept, '..'), { recursive: true });
    writeFileSync(kept, manifest('new'));
    const h = await runInMemory(plan(setState('existing')), t);
    expect(h.result.outcome).toBe('done');
    expect(handled()).toEqual(NODES);
    expect(readFileSync(kept, 'utf8')).toBe(manifest('new'));
  });

  it('runs it after any other action (which cannot tell) and skips it when the named step did not run', async () => {
    expect(handled()).toEqual([]);
    await runInMemory(plan(sh('true')), t);
    expect(handled()).toEqual(NODES);
    rmSync(join(root, 'cp1', 'handled'));
    rmSync(join(root, 'cp2', 'handled'));
    const h = await runInMemory(plan(setState('new'), { skipped: true }), t);
    expect(handled()).toEqual([]);
    expect(stepEnd(h, 'handler')).toMatchObject({ outcome: 'skipped', reason: 'edit did not run' });
  });

  it('a resumed run decides from the journal: unchanged stays skipped, assumed-done counts as a change', async () => {
    const failing = plan(setState('existing'), {}, [{ id: 'after', nodes: ['cp1'], action: sh('exit 3') }]);
    // The handler is what the resume must decide about: make the first run stop before it.
    const first = await runInMemory(makePlan([{ id: 'edit', nodes: NODES, action: setState('existing') }, { id: 'stop', nodes: ['cp1'], action: sh('exit 3') }]), t);
    expect(first.result.outcome).toBe('failed');
    const state = replayJournal(first.journal);
    expect([...state.unchanged].sort()).toEqual(['edit@cp1', 'edit@cp2']);
    const resumed = await runInMemory(failing, t, { mode: 'resume', prior: { ...state, undoStack: [] } });
    expect(handled()).toEqual([]);
    expect(stepEnd(resumed, 'handler')).toMatchObject({ outcome: 'skipped' });
    const assumed = replayJournal([...first.journal, { r: 'task-end', key: 'edit@cp2', outcome: 'assumed-done', durationMs: 0, at: 'x' }]);
    expect([...assumed.unchanged]).toEqual(['edit@cp1']);
    await runInMemory(failing, t, { mode: 'resume', prior: { ...assumed, undoStack: [] } });
    expect(handled()).toEqual(NODES);
  });

  it('a rehearsal runs it (checks do not report changes)', async () => {
    await runInMemory(plan(setState('existing')), t, { mode: 'rehearse' });
    expect(handled()).toEqual(NODES);
  });
});
