// Crash and resume with real processes and real files: the engine runs in a child process that
// is SIGKILLed at every step boundary and in the middle of a long step; resume must complete
// and every non-idempotent step must have run exactly once per node.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resumeRun, type ResumeOptions } from '../../src/app/resume.js';
import { runPlan } from '../../src/app/run.js';
import { KubedrError } from '../../src/errors/index.js';
import type { RunEvent } from '../../src/model/index.js';
import { CRASH_NODES, crashPlan, NON_IDEMPOTENT, SECRET } from './support/crash-plan.js';
import { count, killLeftovers, makeLab, runChild, type Lab } from './support/crash-lab.js';
import { DirTransport } from './support/dir-transport.js';
import { listTree } from './support/tree.js';

let lab: Lab | undefined;
afterEach(async () => {
  if (lab) {
    await killLeftovers(lab);
    await rm(lab.dir, { recursive: true, force: true });
  }
  lab = undefined;
});

/** Resumes like an operator: for a non-idempotent task in flight, look at the node's counter. */
async function resumeAsOperator(l: Lab, runId: string, events: RunEvent[]): Promise<{ decided: string[] }> {
  const transport = new DirTransport(l.nodesRoot, l.pidDir);
  const base: ResumeOptions = {
    runId,
    plan: crashPlan(),
    stateDir: l.stateDir,
    transport,
    localTransport: transport,
    approve: () => Promise.resolve(true),
    nodeLock: { dir: 'kubedr-lock', sudo: false },
    rollback: 'never',
    sinks: [(e) => events.push(e)],
  };
  try {
    const out = await resumeRun(base);
    expect(out.result.outcome).toBe('done');
    return { decided: [] };
  } catch (err) {
    if (!(err instanceof KubedrError) || err.code !== 'RESUME_IN_FLIGHT') throw err;
    expect(err.exitCode).toBe(2);
    expect(err.hint).toMatch(/--assume-done/);
    const keys = /completed: (.*)$/.exec(err.message)?.[1]?.split(', ') ?? [];
    const assumeDone: string[] = [];
    const rerun: string[] = [];
    for (const key of keys) {
      const [step = '', node = ''] = key.split('@');
      ((await count(l, node, step)) > 0 ? assumeDone : rerun).push(key);
    }
    const out = await resumeRun({ ...base, assumeDone, rerun });
    expect(out.result.outcome).toBe('done');
    return { decided: keys };
  }
}

async function expectCompletedOnce(l: Lab): Promise<void> {
  for (const node of CRASH_NODES) {
    for (const step of NON_IDEMPOTENT) expect(await count(l, node, step), `${step}@${node}`).toBe(1);
    expect(await count(l, node, 'long'), `long@${node}`).toBeGreaterThanOrEqual(1);
    expect(await readFile(join(l.nodesRoot, node, 'token.txt'), 'utf8')).toBe(SECRET);
    expect(await listTree(join(l.nodesRoot, node))).not.toContain('kubedr-lock');
  }
  const journal = await readFile(join(l.stateDir, 'runs', 'crash', 'journal.jsonl'), 'utf8');
  expect(journal).not.toContain(SECRET);
}

describe('crash and resume', () => {
  it.each(['step-start:s1', 'task-end:s1@n2', 'step-start:token', 'step-start:use', 'task-start:use@n2', 'step-start:long', 'step-start:s5', 'step-end:s5'])(
    'SIGKILL at %s, then resume completes with each non-idempotent task run once',
    async (freezeAt) => {
      lab = await makeLab();
      const child = await runChild(lab, 'crash', freezeAt);
      expect(child.killed).toBe(true);
      expect(child.stdout).not.toContain(SECRET);
      await killLeftovers(lab);
      const events: RunEvent[] = [];
      const { decided } = await resumeAsOperator(lab, 'crash', events);
      // Frozen right after journaling its start: the operator had to decide about this pair.
      if (freezeAt === 'task-start:use@n2') expect(decided).toContain('use@n2');
      expect(JSON.stringify(events)).not.toContain(SECRET);
      await expectCompletedOnce(lab);
    },
    60_000,
  );

  it('SIGKILL in the middle of a long idempotent step: resume re-runs it without asking', async () => {
    lab = await makeLab();
    const child = await runChild(lab, 'crash', undefined, join(lab.nodesRoot, 'n2', 'long.started'));
    expect(child.killed).toBe(true);
    await killLeftovers(lab);
    const { decided } = await resumeAsOperator(lab, 'crash', []);
    expect(decided).toEqual([]);
    await expectCompletedOnce(lab);
    expect(await count(lab, 'n2', 'long')).toBe(2);
  });

  it('a second run while the first (another process) holds the lock exits 2 naming the holder', async () => {
    lab = await makeLab();
    const l = lab;
    const transport = new DirTransport(l.nodesRoot, l.pidDir);
    const child = await runChild(l, 'crash', 'step-start:use', undefined, async (pid) => {
      const second = runPlan({ plan: crashPlan(), runId: 'second', stateDir: l.stateDir, transport, localTransport: transport, approve: () => Promise.resolve(true), nodeLock: { dir: 'kubedr-lock', sudo: false } });
      await expect(second).rejects.toMatchObject({ code: 'RUN_LOCKED', exitCode: 2, message: expect.stringMatching(new RegExp(`pid ${pid}, run crash,`)) });
    });
    expect(child.killed).toBe(true);
    await killLeftovers(l);
    // The holder is dead now: resume (same host) takes the stale lock over and finishes.
    await resumeAsOperator(l, 'crash', []);
    await expectCompletedOnce(l);
  });

  it('a run that is not killed completes in one go', async () => {
    lab = await makeLab();
    const child = await runChild(lab, 'crash', undefined);
    expect(child.stdout).toContain('RESULT done');
    await expectCompletedOnce(lab);
  });
});
