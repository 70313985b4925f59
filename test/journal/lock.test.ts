import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireRunLock, lockIdFor, releaseRunLock, unlockRun, type LockHolder } from '../../src/journal/index.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const holder = (over: Partial<LockHolder> = {}) => ({ user: 'alice', host: 'ops-1', pid: 100, runId: 'r1', since: '2026-01-01T00:00:00Z', cluster: 'prod', inventorySource: 'inv.yaml', inventoryHash: 'h', ...over });

describe('run lock', () => {
  it('keys the lock by cluster name, readable and collision-safe', () => {
    expect(lockIdFor('Prod EU')).toMatch(/^prod-eu-[0-9a-f]{12}$/);
    expect(lockIdFor('prod eu')).not.toBe(lockIdFor('Prod EU'));
  });

  it('refuses a live holder with exit 2 and a message naming it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubedr-runlock-'));
    await acquireRunLock({ locksDir: dir, host: 'ops-1', holder: holder(), isAlive: () => true });
    const second = acquireRunLock({ locksDir: dir, host: 'ops-1', holder: holder({ user: 'bob', pid: 200, runId: 'r2' }), isAlive: () => true });
    await expect(second).rejects.toMatchObject({ code: 'RUN_LOCKED', exitCode: 2, message: expect.stringContaining('alice@ops-1 (pid 100, run r1') });
  });

  it('takes over a stale lock (same host, dead pid) but never one from another host', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubedr-runlock-'));
    await acquireRunLock({ locksDir: dir, host: 'ops-1', holder: holder(), isAlive: () => true });
    const taken = await acquireRunLock({ locksDir: dir, host: 'ops-1', holder: holder({ pid: 200, runId: 'r2' }), isAlive: (pid) => pid !== 100 });
    expect(taken.holder.runId).toBe('r2');
    expect((await readdir(dir)).some((f) => f.includes('.stale-100-'))).toBe(true);
    const fromElsewhere = acquireRunLock({ locksDir: dir, host: 'ops-2', holder: holder({ host: 'ops-2', pid: 300, runId: 'r3' }), isAlive: () => false });
    await expect(fromElsewhere).rejects.toMatchObject({ code: 'RUN_LOCKED' });
  });

  it('release removes only our own lock; unlock needs --force for a live holder', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubedr-runlock-'));
    const mine = await acquireRunLock({ locksDir: dir, host: 'ops-1', holder: holder(), isAlive: () => true });
    const lockId = lockIdFor('prod');
    await expect(unlockRun({ locksDir: dir, lockId, force: false, host: 'ops-1', isAlive: () => true })).rejects.toMatchObject({ code: 'UNLOCK_HOLDER_ALIVE' });
    await unlockRun({ locksDir: dir, lockId, force: true, host: 'ops-1' });
    const theirs = await acquireRunLock({ locksDir: dir, host: 'ops-1', holder: holder({ runId: 'r9', pid: 900 }), isAlive: () => true });
    await releaseRunLock(mine);
    expect(await readdir(dir)).toContain(`${lockId}.lock`);
    await releaseRunLock(theirs);
    expect(await readdir(dir)).not.toContain(`${lockId}.lock`);
    await expect(unlockRun({ locksDir: dir, lockId: '../x', force: true, host: 'h' })).rejects.toMatchObject({ code: 'UNLOCK_BAD_ID' });
  });

  it('unlock removes a stale lock without --force', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubedr-runlock-'));
    await writeFile(join(dir, `${lockIdFor('prod')}.lock`), JSON.stringify({ lockId: lockIdFor('prod'), ...holder() }));
    expect(await unlockRun({ locksDir: dir, lockId: lockIdFor('prod'), force: false, host: 'ops-1', isAlive: () => false })).toMatchObject({ runId: 'r1' });
  });
});
