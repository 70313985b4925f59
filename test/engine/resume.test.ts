// Resume decisions through the app API, with the in-memory transport and a real journal on disk.
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resumeRun } from '../../src/app/resume.js';
import { rollbackRun } from '../../src/app/rollback.js';
import { runPlan } from '../../src/app/run.js';
import { MemoryTransport } from './support/memory-transport.js';
import { makePlan, sh } from './support/plans.js';

let state: string | undefined;
afterEach(async () => {
  if (state) await rm(state, { recursive: true, force: true });
  state = undefined;
});

const plan = (second = 'B') =>
  makePlan([
    { id: 'a', nodes: ['n1', 'n2'], action: sh('A'), undo: sh('undo-A') },
    { id: 'b', nodes: ['n1', 'n2'], action: sh(second) },
  ]);

async function failedRun(t: MemoryTransport) {
  state = await mkdtemp(join(tmpdir(), 'kubedr-resume-'));
  const common = { stateDir: state, transport: t, localTransport: t, approve: () => Promise.resolve(true), nodeLock: false as const, rollback: 'never' as const };
  const out = await runPlan({ ...common, plan: plan(), runId: 'r' });
  expect(out.result.outcome).toBe('failed');
  return common;
}

describe('resume', () => {
  it('skips completed tasks and re-runs the failed one after the operator fixed it', async () => {
    let broken = true;
    const t = new MemoryTransport((node, cmd) => ({ exitCode: broken && cmd === 'B' && node === 'n2' ? 1 : 0 }));
    const common = await failedRun(t);
    broken = false;
    t.calls = [];
    const out = await resumeRun({ ...common, runId: 'r', plan: plan() });
    expect(out.result.outcome).toBe('done');
    expect(t.calls.map((c) => `${c.command}@${c.node}`)).toEqual(['B@n2']);
  });

  it('refuses a changed plan with exit 2 unless forceChanged', async () => {
    const t = new MemoryTransport((node, cmd) => ({ exitCode: cmd === 'B' && node === 'n2' ? 1 : 0 }));
    const common = await failedRun(t);
    t.calls = [];
    await expect(resumeRun({ ...common, runId: 'r', plan: plan('B2') })).rejects.toMatchObject({ code: 'RESUME_PLAN_CHANGED', exitCode: 2, message: expect.stringContaining('plan') });
    expect(t.calls).toEqual([]);
    const forced = await resumeRun({ ...common, runId: 'r', plan: plan('B2'), forceChanged: true });
    expect(forced.result.outcome).toBe('done');
    // Completion is by task key: b@n1 ran (as B) and is not run again; only b@n2 runs, as B2.
    expect(t.calls.map((c) => `${c.command}@${c.node}`)).toEqual(['B2@n2']);
  });

  it('refuses unknown task keys and a run that was rolled back', async () => {
    const t = new MemoryTransport((node, cmd) => ({ exitCode: cmd === 'B' && node === 'n2' ? 1 : 0 }));
    const common = await failedRun(t);
    await expect(resumeRun({ ...common, runId: 'r', plan: plan(), rerun: ['nope@n9'] })).rejects.toMatchObject({ code: 'RESUME_BAD_TASK', exitCode: 2 });
    const rb = await rollbackRun({ ...common, runId: 'r' });
    expect(rb.result.outcome).toBe('rolled-back');
    expect(t.calls.filter((c) => c.command === 'undo-A')).toHaveLength(2);
    await expect(resumeRun({ ...common, runId: 'r', plan: plan() })).rejects.toMatchObject({ code: 'RESUME_ROLLED_BACK', exitCode: 2 });
  });

  it('refuses an unknown run id with exit 2', async () => {
    state = await mkdtemp(join(tmpdir(), 'kubedr-resume-'));
    const t = new MemoryTransport();
    await expect(resumeRun({ stateDir: state, transport: t, localTransport: t, approve: () => Promise.resolve(true), runId: 'nope', plan: plan() })).rejects.toMatchObject({ code: 'JOURNAL_NOT_FOUND', exitCode: 2 });
    await expect(resumeRun({ stateDir: state, transport: t, localTransport: t, approve: () => Promise.resolve(true), runId: '../etc', plan: plan() })).rejects.toMatchObject({ code: 'RUN_BAD_ID' });
  });
});

describe('rollback after a crash during rollback', () => {
  it('refuses an undo that was in flight unless the operator decides, and never repeats finished undos', async () => {
    const t = new MemoryTransport((node, cmd) => ({ exitCode: cmd === 'B' && node === 'n2' ? 1 : 0 }));
    const common = await failedRun(t);
    // Simulate a rollback that died: a@n2 undone, a@n1 started and never ended.
    const at = '2026-01-01T00:00:00Z';
    const lines = [
      { r: 'rollback-start', reason: 'x', at },
      { r: 'undo-start', key: 'a@n2', at },
      { r: 'undo-end', key: 'a@n2', outcome: 'done', durationMs: 1, at },
      { r: 'undo-start', key: 'a@n1', at },
    ];
    await appendFile(join(state ?? '', 'runs/r/journal.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    t.calls = [];
    await expect(rollbackRun({ ...common, runId: 'r' })).rejects.toMatchObject({ code: 'ROLLBACK_IN_FLIGHT', exitCode: 2, message: expect.stringContaining('a@n1') });
    const out = await rollbackRun({ ...common, runId: 'r', rerun: ['a@n1'] });
    expect(out).toMatchObject({ remaining: 0, result: { outcome: 'rolled-back' } });
    expect(t.calls.map((c) => `${c.command}@${c.node}`)).toEqual(['undo-A@n1']);
  });
});
