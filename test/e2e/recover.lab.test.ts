// Issue 4 acceptance, recovery side, through the real CLI against the lab: SIGKILL of kubedr at
// every step boundary and in the middle of a long step, then `kubedr resume` (exactly-once per
// node for non-idempotent steps); an SSH session killed under a running step (connection-lost,
// retried after reconnecting); a failure at step k rolled back to byte-identical node files.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/model/index.js';
import type { Lab } from '../lab/index.js';
import { run } from '../lab/proc.js';
import { useLab } from '../lab/vitest.js';
import { cliHere, nodeLines, readText, runbook, startCli, tempDir, treeDigest, writeInventory, type CliResult, runIdOf } from './support.js';
import { until } from '../helpers/until.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
const NODES = ['cp1', 'cp2', 'cp3', 'w1', 'w2'];
const CPS = ['cp1', 'cp2', 'cp3'];
const COUNTED = ['s1', 's2', 'long', 's3'];
let dir = '';
let inventory = '';

beforeAll(() => {
  dir = tempDir('recover');
  inventory = writeInventory(env.lab, dir, 'inventory');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** How many times `step` ran on `node` in run `runId` (the step appends the run id to a counter). */
async function ranTimes(node: string, step: string, runId: string): Promise<number> {
  return (await nodeLines(env.lab, node, `/var/lib/kubedr-e2e/${step}.count`)).filter((l) => l === runId).length;
}

/**
 * Resumes like an operator: when kubedr refuses because non-idempotent tasks were in flight, look
 * at each one's counter on its node and say --assume-done (it ran) or --rerun (it did not).
 */
async function resumeAsOperator(stateDir: string, runId: string): Promise<{ result: CliResult; decided: string[] }> {
  const base = ['resume', runId, '--state-dir', stateDir, '--yes', '--output', 'json', '--rollback', 'never'];
  const first = await cliHere(base);
  if (first.code !== 2) return { result: first, decided: [] };
  expect(first.stderr).toContain('RESUME_IN_FLIGHT');
  const keys = /cannot know whether they completed: (.*)/.exec(first.stderr)?.[1]?.trim().split(', ') ?? [];
  expect(keys.length).toBeGreaterThan(0);
  const flags: string[] = [];
  for (const key of keys) {
    const [step = '', node = ''] = key.split('@');
    flags.push((await ranTimes(node, step, runId)) > 0 ? '--assume-done' : '--rerun', key);
  }
  return { result: await cliHere([...base, ...flags]), decided: keys };
}

describe('crash and resume', () => {
  const stateDir = (): string => join(dir, 'state-crash');

  async function crashThenResume(killAt: (e: RunEvent, seen: RunEvent[]) => boolean, pauseMs = 0): Promise<{ runId: string; decided: string[]; killedAfter: RunEvent | undefined }> {
    const c = startCli(['run', '-r', runbook('crash'), '-i', inventory, '--state-dir', stateDir(), '--yes', '--output', 'json', '--rollback', 'never']);
    const hit = await Promise.race([c.waitEvent((e) => killAt(e, c.events)), c.done.then(() => undefined)]);
    if (pauseMs > 0) await delay(pauseMs);
    c.child.kill('SIGKILL');
    const killed = await c.done;
    expect(killed.code, `kubedr should have been killed, not finished: ${killed.stderr}`).toBe(137);
    expect(c.events.some((e) => e.kind === 'run-end')).toBe(false);
    const runId = runIdOf(c.events);
    const { result, decided } = await resumeAsOperator(stateDir(), runId);
    expect(result.code, result.stderr).toBe(0);
    expect(result.events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'done' });
    for (const node of NODES) for (const step of COUNTED) expect(await ranTimes(node, step, runId), `${step}@${node}`).toBe(1);
    return { runId, decided, killedAfter: hit };
  }

  const stepEnd = (id: string) => (e: RunEvent): boolean => e.kind === 'step-end' && e.stepId === id;
  it.each([
    ['before the first step', (e: RunEvent) => e.kind === 'phase-start'],
    ['after s1', stepEnd('s1')],
    ['after s2 (a phase boundary)', stepEnd('s2')],
    ['after long', stepEnd('long')],
  ])('SIGKILL %s: resume completes, each non-idempotent step ran once per node', async (_name, at) => {
    await crashThenResume(at);
  });

  it('SIGKILL in the middle of a long step: the operator is asked, and each step still ran once per node', async () => {
    const allLongStarted = (_e: RunEvent, seen: RunEvent[]): boolean => seen.filter((x) => x.kind === 'task-start' && x.stepId === 'long').length === NODES.length;
    const { decided } = await crashThenResume(allLongStarted, 300);
    // `long` sleeps 3 s after counting: it was in flight on every node and is not idempotent.
    expect(decided.sort()).toEqual(NODES.map((n) => `long@${n}`).sort());
  });
  it('Ctrl-C (SIGINT) mid-step stops cleanly (exit 1, run-end aborted, locks released); resume completes, once per node', async () => {
    const c = startCli(['run', '-r', runbook('crash'), '-i', inventory, '--state-dir', stateDir(), '--yes', '--output', 'json', '--rollback', 'never']);
    await c.waitEvent((_e) => c.events.filter((x) => x.kind === 'task-start' && x.stepId === 'long').length === NODES.length);
    c.child.kill('SIGINT');
    const r = await c.done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('interrupted');
    expect(r.events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'aborted' });
    const runId = runIdOf(c.events);
    // The run lock and the node locks were released: a resume from another process takes them.
    const { result } = await resumeAsOperator(stateDir(), runId);
    expect(result.code, result.stderr).toBe(0);
    for (const node of NODES) for (const step of COUNTED) expect(await ranTimes(node, step, runId), `${step}@${node}`).toBe(1);
  });
});

describe('connection lost mid-step', () => {
  it("killing the node's sshd session under a running step is reported as connection-lost, and the idempotent step retries and completes", async () => {
    const { lab } = env;
    const w1 = lab.node('w1');
    const stateDir = join(dir, 'state-conn');
    const c = startCli(['run', '-r', runbook('conn-lost'), '-i', inventory, '--state-dir', stateDir, '--yes', '--output', 'json']);
    await c.waitEvent((e) => e.kind === 'task-start' && e.stepId === 'slow');
    const runId = runIdOf(c.events);
    await until('the slow step to start on w1', async () => (await nodeLines(lab, 'w1', '/var/lib/kubedr-e2e/slow.attempts')).includes(runId), 50);
    const sshd = await sessionPids(`${w1.address}:${w1.sshPort}`, c.child.pid ?? -1);
    expect(sshd.length).toBeGreaterThan(0);
    for (const pid of sshd) process.kill(pid, 'SIGKILL');
    release(lab, 'w1', runId);
    const r = await c.done;
    expect(r.code, r.stderr).toBe(0);
    const retry = r.events.find((e) => e.kind === 'task-retry' && e.stepId === 'slow');
    expect(retry).toMatchObject({ node: 'w1', attempt: 2 });
    expect(retry?.kind === 'task-retry' ? retry.reason : '').toMatch(/CONNECTION_LOST/);
    expect(r.events.filter((e) => e.kind === 'task-end')).toEqual([expect.objectContaining({ stepId: 'slow', node: 'w1', outcome: 'done', exitCode: 0 })]);
    expect((await nodeLines(lab, 'w1', '/var/lib/kubedr-e2e/slow.attempts')).filter((l) => l === runId)).toHaveLength(2);
    // The journal and the audit record the first attempt as connection-lost, never as failed.
    const journal = readText(join(stateDir, 'runs', runId, 'journal.jsonl'));
    expect(journal).toMatch(/"r":"task-end","key":"slow@w1","outcome":"connection-lost"/);
    expect(journal).not.toMatch(/"outcome":"failed"/);
    const audit = await cliHere(['audit', runId, '--state-dir', stateDir, '--output', 'json']);
    const cell = (JSON.parse(audit.stdout) as { steps: { cells: { node: string; state: string; attempts: number }[] }[] }).steps[0]?.cells[0];
    expect(cell).toMatchObject({ node: 'w1', state: 'done', attempts: 2 });
  });
});

describe('connection lost mid-step, non-idempotent', () => {
  it('is not retried; the run fails with connection-lost, and resume asks the operator instead of running it again', async () => {
    const { lab } = env;
    const w2 = lab.node('w2');
    const stateDir = join(dir, 'state-conn-once');
    const c = startCli(['run', '-r', runbook('conn-lost-once'), '-i', inventory, '--state-dir', stateDir, '--yes', '--output', 'json', '--rollback', 'never']);
    await c.waitEvent((e) => e.kind === 'task-start' && e.stepId === 'once');
    const runId = runIdOf(c.events);
    await until('the once step to start on w2', async () => (await ranTimes('w2', 'once', runId)) > 0, 50);
    const sshd = await sessionPids(`${w2.address}:${w2.sshPort}`, c.child.pid ?? -1);
    expect(sshd.length).toBeGreaterThan(0);
    for (const pid of sshd) process.kill(pid, 'SIGKILL');
    release(lab, 'w2', runId);
    const r = await c.done;
    expect(r.code).toBe(1);
    const end = r.events.find((e) => e.kind === 'task-end');
    expect(end).toMatchObject({ stepId: 'once', node: 'w2', outcome: 'connection-lost' });
    expect(end?.kind === 'task-end' ? end.exitCode : 'none').toBeUndefined();
    expect(r.events.some((e) => e.kind === 'task-retry')).toBe(false);
    // The command did its work before the connection died: running it again would count twice.
    const refused = await cliHere(['resume', runId, '--state-dir', stateDir, '--yes', '--rollback', 'never']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('RESUME_IN_FLIGHT');
    expect(refused.stderr).toContain('once@w2');
    const resumed = await cliHere(['resume', runId, '--state-dir', stateDir, '--yes', '--rollback', 'never', '--assume-done', 'once@w2']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await ranTimes('w2', 'once', runId)).toBe(1);
  });
});

/** Lets the step of run `runId` waiting on `node` finish (after its first attempt was cut off). */
function release(lab: Lab, node: string, runId: string): void {
  writeFileSync(lab.hostPath(node, `/var/lib/kubedr-e2e/release-${runId}`), '');
}

/**
 * PIDs of the sshd processes serving kubedr's connection to `server` (`addr:port`): the client
 * socket is found by kubedr's pid, its local port names the server side, `ss` gives its pids.
 */
async function sessionPids(server: string, clientPid: number): Promise<number[]> {
  const lines = (await run('ss', ['-tnpH', 'state', 'established'])).stdout.split('\n');
  const cols = lines.map((l) => l.trim().split(/\s+/));
  const mine = cols.find((c) => c[3] === server && (c[4] ?? '').includes(`pid=${clientPid},`));
  const local = mine?.[2];
  if (!local) return [];
  const theirs = cols.filter((c) => c[2] === server && c[3] === local);
  const pids = theirs.flatMap((c) => [...(c[4] ?? '').matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
  return [...new Set(pids)].filter((p) => p !== clientPid && readText(`/proc/${p}/comm`).startsWith('sshd'));
}

describe('rollback', () => {
  const TREES = ['/etc/kubernetes', '/var/lib/etcd'];

  beforeAll(async () => {
    // etcd and the apiserver are stopped first (their manifests held outside the manifests
    // dir), so nothing but kubedr writes to these trees while they are compared.
    for (const n of CPS) {
      const r = await env.lab.exec(n, 'mkdir -p /etc/kubernetes/held && mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/held/');
      expect(r.code, r.stderr).toBe(0);
    }
    for (const n of CPS) {
      await until(`etcd on ${n} to exit`, async () => (await env.lab.exec(n, 'pgrep -x etcd')).code !== 0, 100);
    }
  });

  it.each([
    ['swap-data', 'cp2'],
    ['check', 'cp3'],
  ])('a failure injected at step %s on %s rolls back; every node file is byte-identical to before the run', async (failStep, failNode) => {
    const { lab } = env;
    const before = await Promise.all(NODES.map((n) => treeDigest(lab, n, TREES)));
    expect(before[0]).toContain('/etc/kubernetes/held/etcd.yaml');
    expect(before[0]).toContain('/var/lib/etcd/member');
    const stateDir = join(dir, `state-rollback-${failStep}`);
    const r = await cliHere(['run', '-r', runbook('rollback'), '-i', inventory, '--state-dir', stateDir, '--yes', '--output', 'json', '--rollback', 'auto', '--param', `failStep=${failStep}`, '--param', `failNode=${failNode}`]);
    expect(r.code).toBe(1);
    expect(r.events.find((e) => e.kind === 'task-end' && e.outcome === 'failed')).toMatchObject({ stepId: failStep, node: failNode, exitCode: 7 });
    expect(r.events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'rolled-back' });
    const undone = r.events.filter((e) => e.kind === 'undo-end');
    expect(undone.length).toBeGreaterThan(0);
    expect(undone.every((e) => e.kind === 'undo-end' && e.outcome === 'done')).toBe(true);
    const after = await Promise.all(NODES.map((n) => treeDigest(lab, n, TREES)));
    for (const [i, n] of NODES.entries()) expect(after[i], `files of ${n}`).toBe(before[i]);
    // Nothing was deleted: the restored dir the run made was moved aside, not removed.
    if (failStep === 'check') expect((await lab.exec('cp1', 'ls -d /var/lib/etcd.failed-*')).stdout).toMatch(/etcd\.failed-/);
  });

  it('with --rollback never the failed run keeps its changes; `kubedr rollback RUN_ID` then restores every file byte for byte', async () => {
    const { lab } = env;
    const before = await Promise.all(NODES.map((n) => treeDigest(lab, n, TREES)));
    const stateDir = join(dir, 'state-rollback-cmd');
    const r = await cliHere(['run', '-r', runbook('rollback'), '-i', inventory, '--state-dir', stateDir, '--yes', '--output', 'json', '--rollback', 'never', '--param', 'failStep=check', '--param', 'failNode=cp1']);
    expect(r.code).toBe(1);
    expect(r.events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'failed' });
    const changed = await Promise.all(NODES.map((n) => treeDigest(lab, n, TREES)));
    expect(changed[0]).not.toBe(before[0]);
    const runId = runIdOf(r.events);
    const rb = await cliHere(['rollback', runId, '--state-dir', stateDir, '--output', 'json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'rolled-back' });
    const after = await Promise.all(NODES.map((n) => treeDigest(lab, n, TREES)));
    for (const [i, n] of NODES.entries()) expect(after[i], `files of ${n}`).toBe(before[i]);
    // A second rollback has nothing left to undo and changes nothing.
    const again = await cliHere(['rollback', runId, '--state-dir', stateDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(await Promise.all(NODES.map((n) => treeDigest(lab, n, TREES)))).toEqual(before);
  });
});
