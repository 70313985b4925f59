// Run lock (per cluster, on this machine) and node locks (per node, across machines).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPlan } from '../../src/app/run.js';
import { unlock } from '../../src/app/unlock.js';
import { lockIdFor } from '../../src/journal/index.js';
import { untilExists } from '../helpers/until.js';
import { DirTransport } from './support/dir-transport.js';
import { makePlan, sh } from './support/plans.js';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

async function setup(): Promise<{ nodes: string; t: DirTransport }> {
  root = await mkdtemp(join(tmpdir(), 'kubedr-lock-'));
  const nodes = join(root, 'nodes');
  for (const n of ['n1', 'n2']) await mkdir(join(nodes, n), { recursive: true });
  return { nodes, t: new DirTransport(nodes) };
}

// The held run signals `started` on each node, then waits for the test to create `release`: the
// test synchronises on these files, never on a sleep.
const heldPlan = () =>
  makePlan([{ id: 'slow', nodes: ['n1', 'n2'], timeoutMs: 600_000, action: sh('touch started; while [ ! -e release ]; do sleep 0.01; done; echo x >> ran') }], { cluster: 'prod-eu' });
const whenHeld = (nodes: string) => untilExists(join(nodes, 'n1/started'), join(nodes, 'n2/started'));
const release = (nodes: string) => Promise.all(['n1', 'n2'].map((n) => writeFile(join(nodes, n, 'release'), '')));
const fastPlan = () => makePlan([{ id: 'fast', nodes: ['n1'], action: sh('echo y >> ran') }], { cluster: 'prod-eu' });

describe('locking', () => {
  it('a second concurrent run on the same cluster exits 2 naming the holder, and nothing runs', async () => {
    const { nodes, t } = await setup();
    const state = join(root ?? '', 'state');
    const base = { stateDir: state, transport: t, localTransport: t, approve: () => Promise.resolve(true), nodeLock: { dir: 'kubedr-lock', sudo: false } };
    const first = runPlan({ ...base, plan: heldPlan(), runId: 'first', identity: { user: 'alice', host: 'ops-1', pid: process.pid } });
    await whenHeld(nodes);
    const second = runPlan({ ...base, plan: fastPlan(), runId: 'second', identity: { user: 'bob', host: 'ops-1', pid: process.pid } });
    await expect(second).rejects.toMatchObject({ code: 'RUN_LOCKED', exitCode: 2, message: expect.stringMatching(/alice@ops-1 \(pid \d+, run first/) });
    await release(nodes);
    expect((await first).result.outcome).toBe('done');
    expect(await readFile(join(root ?? '', 'nodes/n1/ran'), 'utf8')).toBe('x\n');
    // After the first run the lock is free again.
    expect((await runPlan({ ...base, plan: fastPlan(), runId: 'third' })).result.outcome).toBe('done');
  });

  it('two operator machines (separate state dirs) cannot act on the same node at once', async () => {
    const { nodes, t } = await setup();
    const opts = (state: string, user: string) => ({ stateDir: join(root ?? '', state), transport: t, localTransport: t, approve: () => Promise.resolve(true), nodeLock: { dir: 'kubedr-lock', sudo: false }, identity: { user, host: `${user}-laptop`, pid: 4242 } });
    const first = runPlan({ ...opts('a', 'alice'), plan: heldPlan(), runId: 'a1' });
    await whenHeld(nodes);
    const second = runPlan({ ...opts('b', 'bob'), plan: fastPlan(), runId: 'b1' });
    await expect(second).rejects.toMatchObject({ code: 'NODE_LOCKED', exitCode: 2, message: expect.stringContaining('n1: held by alice@alice-laptop (pid 4242, run a1') });
    await release(nodes);
    expect((await first).result.outcome).toBe('done');
  });

  it('creates a missing lock parent on a fresh node, and removes only its own lock at the end', async () => {
    const { nodes, t } = await setup();
    const base = { transport: t, localTransport: t, approve: () => Promise.resolve(true), nodeLock: { dir: 'var/lib/kubedr/lock', sudo: false } };
    const out = await runPlan({ ...base, stateDir: join(root ?? '', 'a'), plan: fastPlan(), runId: 'r1' });
    expect(out.result.outcome).toBe('done');
    expect(existsSync(join(nodes, 'n1/var/lib/kubedr'))).toBe(true);
    expect(existsSync(join(nodes, 'n1/var/lib/kubedr/lock'))).toBe(false);
    // A lock held by another run is left alone by this run's release, and refuses this run.
    await mkdir(join(nodes, 'n1/var/lib/kubedr/lock'));
    await writeFile(join(nodes, 'n1/var/lib/kubedr/lock/holder'), '{"runId":"other","user":"bob","host":"b","pid":1,"since":"x"}\n');
    await expect(runPlan({ ...base, stateDir: join(root ?? '', 'b'), plan: fastPlan(), runId: 'r2' })).rejects.toMatchObject({ code: 'NODE_LOCKED', message: expect.stringContaining('n1: held by bob@b') });
    expect(await readFile(join(nodes, 'n1/var/lib/kubedr/lock/holder'), 'utf8')).toContain('"runId":"other"');
  });

  it('unlock refuses a live holder without --force and removes it with --force', async () => {
    const { nodes, t } = await setup();
    const state = join(root ?? '', 'state');
    const lockId = lockIdFor('prod-eu');
    const run = runPlan({ stateDir: state, plan: heldPlan(), runId: 'held', transport: t, localTransport: t, approve: () => Promise.resolve(true), nodeLock: false });
    await whenHeld(nodes);
    await expect(unlock({ stateDir: state, lockId })).rejects.toMatchObject({ code: 'UNLOCK_HOLDER_ALIVE', exitCode: 2 });
    expect(await unlock({ stateDir: state, lockId, force: true })).toMatchObject({ runId: 'held', pid: process.pid });
    await release(nodes);
    await run;
  });
});
