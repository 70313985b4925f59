// One run at a time per cluster, on this operator machine. The lock is keyed by the cluster
// name, not by the inventory file or its hash: two copies of an inventory, or an edited one,
// still describe the same cluster, and a false "locked" is safe while a false "free" is not.
// Operators on other machines are kept apart by the per-node locks (src/engine/node-lock.ts).
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KubedrError } from '../errors/index.js';

export interface LockHolder {
  lockId: string;
  user: string;
  host: string;
  pid: number;
  runId: string;
  since: string;
  cluster: string;
  inventorySource: string;
  inventoryHash: string;
}

export interface RunLock {
  path: string;
  holder: LockHolder;
}

/** `<cluster-slug>-<12 hex of sha256(cluster)>`: readable, and distinct for names that slug alike. */
export function lockIdFor(cluster: string): string {
  const slug = cluster.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'cluster';
  return `${slug}-${createHash('sha256').update(cluster).digest('hex').slice(0, 12)}`;
}

export function describeHolder(h: LockHolder): string {
  return `${h.user}@${h.host} (pid ${h.pid}, run ${h.runId}, since ${h.since})`;
}

/** Alive, or not ours to judge: EPERM means the process exists under another user. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface AcquireOptions {
  locksDir: string;
  holder: Omit<LockHolder, 'lockId'>;
  /** Host this process runs on; a lock from another host is never judged stale. */
  host: string;
  isAlive?: (pid: number) => boolean;
}

/** Takes the lock atomically (O_EXCL), replacing it only when its holder is provably dead. */
export async function acquireRunLock(opts: AcquireOptions): Promise<RunLock> {
  const lockId = lockIdFor(opts.holder.cluster);
  const path = join(opts.locksDir, `${lockId}.lock`);
  const holder: LockHolder = { lockId, ...opts.holder };
  await mkdir(opts.locksDir, { recursive: true });
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(`${JSON.stringify(holder)}\n`);
      await fh.sync();
      await fh.close();
      return { path, holder };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = await readLock(path);
    if (current === undefined) continue; // vanished or half-written by a dying holder: retry
    if (!isStale(current, opts.host, opts.isAlive ?? isPidAlive)) {
      throw new KubedrError('RUN_LOCKED', `cluster ${current.cluster} is locked by ${describeHolder(current)}`, {
        hint: `wait for that run to end, or if it is gone: kubedr unlock --force ${lockId}`,
        exitCode: 2,
      });
    }
    // Move the stale lock aside (rename is atomic) so two racing takers cannot both win.
    await rename(path, `${path}.stale-${current.pid}-${Date.now()}`).catch(() => undefined);
  }
  throw new KubedrError('RUN_LOCK_RACE', `could not take the lock ${path}`, { exitCode: 2 });
}

function isStale(h: LockHolder, host: string, isAlive: (pid: number) => boolean): boolean {
  return h.host === host && !isAlive(h.pid);
}

export async function readLock(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** Releases only a lock we still hold (a forced unlock may have handed it to someone else). */
export async function releaseRunLock(lock: RunLock): Promise<void> {
  const current = await readLock(lock.path);
  if (current?.runId === lock.holder.runId && current.pid === lock.holder.pid) await unlink(lock.path).catch(() => undefined);
}

export interface UnlockOptions {
  locksDir: string;
  lockId: string;
  force: boolean;
  host: string;
  isAlive?: (pid: number) => boolean;
}

/** Removes a lock: a stale one always, a live one only with `force`. Returns the old holder. */
export async function unlockRun(opts: UnlockOptions): Promise<LockHolder> {
  if (!/^[a-z0-9-]+$/.test(opts.lockId)) {
    throw new KubedrError('UNLOCK_BAD_ID', `not a lock id: ${JSON.stringify(opts.lockId)}`, { exitCode: 2 });
  }
  const path = join(opts.locksDir, `${opts.lockId}.lock`);
  const holder = await readLock(path);
  if (holder === undefined) {
    throw new KubedrError('UNLOCK_NOT_FOUND', `no lock ${opts.lockId} in ${opts.locksDir}`, { exitCode: 2 });
  }
  if (!opts.force && !isStale(holder, opts.host, opts.isAlive ?? isPidAlive)) {
    throw new KubedrError('UNLOCK_HOLDER_ALIVE', `lock ${opts.lockId} is held by ${describeHolder(holder)}, which may still be running`, {
      hint: `make sure that run is gone, then: kubedr unlock --force ${opts.lockId}`,
      exitCode: 2,
    });
  }
  await unlink(path);
  return holder;
}
