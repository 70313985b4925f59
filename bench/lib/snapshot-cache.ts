// Bench snapshots made once with a throwaway single-member etcd 3.4 and cached in the temp dir as
// kubedr-bench-snapshot-<name>.db (snapshot-inspect, large-e2e). The throwaway etcd's data dir is
// on /dev/shm when that tmpfs and the RAM have room: a multi-GiB fill then costs no disk fsync
// (the saved snapshot is the same file either way), and the dir is gone once the etcd stops.
import { existsSync, readFileSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type ThrowawayEtcd } from '../../test/etcd/snapshot/throwaway-etcd.js';

const SHM = '/dev/shm';
const MIB = 2 ** 20;

/** The cached file of `name` (it may not exist yet). */
export function snapshotCachePath(name: string): string {
  return join(tmpdir(), `kubedr-bench-snapshot-${name}.db`);
}

/** MemAvailable in bytes (0 when /proc/meminfo cannot be read). */
function memAvailable(): number {
  try {
    const kib = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    return Number(kib ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * /dev/shm when it and the RAM hold `megabytes` of values as etcd stores them (bbolt's 1.22×,
 * its WAL until the next snapshot), with 2 GiB of RAM to spare; otherwise the temp dir.
 */
export function throwawayDataParent(megabytes: number): string {
  const need = megabytes * MIB * 2;
  try {
    const st = statfsSync(SHM);
    if (st.bavail * st.bsize >= need && memAvailable() >= need + 2 * 1024 * MIB) return SHM;
  } catch {
    // No /dev/shm: the temp dir.
  }
  return tmpdir();
}

/**
 * The cached snapshot `name`, made first if missing: `write` fills a throwaway etcd (quota for
 * `megabytes` of values), then `etcdctl snapshot save` into the cache (via a .part file, so an
 * interrupted run leaves no truncated snapshot behind).
 */
export async function cachedSnapshot(name: string, write: (etcd: ThrowawayEtcd) => Promise<void>, megabytes = 0): Promise<string> {
  const file = snapshotCachePath(name);
  if (existsSync(file)) return file;
  const parentDir = throwawayDataParent(megabytes);
  const etcd = await startEtcd({ quotaBytes: Math.max(2, Math.ceil((megabytes * 2) / 1024)) * 1024 ** 3, snapshotCount: 500, parentDir });
  try {
    await write(etcd);
    await etcd.save(`${file}.part`);
    renameSync(`${file}.part`, file);
  } finally {
    await etcd.stop();
    rmSync(`${file}.part`, { force: true });
  }
  return file;
}

/**
 * Puts keys 0…count-1 (`key(n)`, `value(n)`), 16 in flight: raft batches them into one WAL
 * write. A put of the same key again is harmless, so one that timed out on the loaded machine
 * is retried. Progress every 512 keys on stderr.
 */
export async function putValues(etcd: ThrowawayEtcd, count: number, key: (n: number) => string, value: (n: number) => Buffer, label: string): Promise<void> {
  const put = async (n: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return void (await etcd.put(key(n), value(n)));
      } catch (e) {
        if (attempt >= 10) throw e;
      }
    }
  };
  for (let i = 0; i < count; i += 16) {
    await Promise.all(Array.from({ length: Math.min(16, count - i) }, (_, j) => put(i + j)));
    if (i % 512 === 0) process.stderr.write(`  ${label}: ${i} of ${count} values written\n`);
  }
}
