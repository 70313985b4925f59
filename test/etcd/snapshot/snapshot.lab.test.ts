// Cross-checks the TypeScript reader against a real etcd 3.4 and its etcdctl: same revision,
// total keys, hash and size as `etcdctl snapshot status`, same live keys as `etcdctl get`, on a
// snapshot big enough for multi-level B+trees, overflow pages and a physical compaction.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffSnapshots, getSnapshotValue, inspectSnapshot } from '../../../src/app/snapshot.js';
import { until } from '../../helpers/until.js';
import { openFileSource, readLiveKeys, SnapshotError } from '../../../src/etcd/snapshot/index.js';
import { branchElement, viewPage } from '../../../src/etcd/snapshot/bbolt/page.js';
import { pod, writeClusterA, writeClusterBChanges } from './cluster-writes.js';
import { bucketRoot, PAGE } from './mutate.js';
import { etcdctlStatus, startEtcd, type ThrowawayEtcd } from './throwaway-etcd.js';

let etcd: ThrowawayEtcd | undefined;
const work = mkdtempSync(join(tmpdir(), 'kubedr-snap-lab-'));
const before = join(work, 'before.db');
const after = join(work, 'after.db');
let liveBefore: string[] = [];
/** Values in overflow pages of varying sizes, one after the other: the reader reuses their buffers. */
const BIG_SIZES = [20_000, 300_000, 50_000, 120_000, 8_000, 200_000];
const bigValue = (i: number, size: number): Buffer => Buffer.alloc(size, `big-${i}-`);

/** Many small events (a leases-and-events-heavy cluster): enough revisions for two branch levels. */
async function writeEvents(e: ThrowawayEtcd, n: number): Promise<void> {
  for (let i = 0; i < n; i += 64) {
    await Promise.all(Array.from({ length: Math.min(64, n - i) }, (_, j) => e.put(`/registry/events/default/ev-${i + j}`, pod('v1', 'Event', `ev-${i + j}`, 'default', i + j))));
  }
}

beforeAll(async () => {
  etcd = await startEtcd();
  const rev = await writeClusterA(etcd);
  await writeEvents(etcd, 6000);
  // Delete half of the events, then compact physically: old revisions and tombstones vanish.
  for (let i = 0; i < 3000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => etcd!.del(`/registry/events/default/ev-${i + j}`)));
  await etcd.compact(rev + 3000);
  await etcd.put('/registry/configmaps/kube-system/huge', Buffer.alloc(300_000, 0x62));
  for (const [i, size] of BIG_SIZES.entries()) await etcd.put(`/registry/configmaps/big/cm-${i}`, bigValue(i, size));
  await etcd.save(before);
  liveBefore = (await etcd.keys()).sort();
  await writeClusterBChanges(etcd);
  await etcd.save(after);
});

afterAll(async () => {
  await etcd?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('snapshot inspection against etcd 3.4', () => {
  it.each([['before', before], ['after', after]])('%s: same numbers as `etcdctl snapshot status`', async (_, file) => {
    const status = await etcdctlStatus(file);
    const r = inspectSnapshot(file);
    expect({ hash: r.hash, revision: r.revision, totalKey: r.totalKeys, totalSize: r.totalSize }).toEqual(status);
    expect(r.integrity.verdict).toBe('ok');
    expect(r.resources.events).toBe(3000);
  });

  it('exercises a key bucket two branch levels deep', () => {
    const bytes = readFileSync(before);
    const root = bucketRoot(bytes, 'key');
    const page = viewPage(bytes, root * PAGE, (root + 1) * PAGE);
    expect(page.flags).toBe(0x01);
    expect(bytes.readUInt16LE(branchElement(page, 0).pgid * PAGE + 8)).toBe(0x01);
  });

  it('computes the live key set etcdctl lists', () => {
    const source = openFileSource(before);
    try {
      expect([...readLiveKeys(source).keyspace.live.keys()].sort()).toEqual(liveBefore);
    } finally {
      source.close();
    }
  });

  it('reads values from overflow pages and decodes protobuf objects', () => {
    expect(getSnapshotValue(before, '/registry/configmaps/kube-system/huge').value.equals(Buffer.alloc(300_000, 0x62))).toBe(true);
    const ev = getSnapshotValue(before, '/registry/events/default/ev-5999').decoded;
    expect(ev).toMatchObject({ encoding: 'protobuf', object: { kind: 'Event', name: 'ev-5999', namespace: 'default' } });
  });

  it('reads consecutive big values whole, each from its own pages (buffers reused between them)', () => {
    for (const [i, size] of BIG_SIZES.entries()) {
      expect(getSnapshotValue(before, `/registry/configmaps/big/cm-${i}`).value.equals(bigValue(i, size))).toBe(true);
    }
  });

  it('diffs the two snapshots', () => {
    expect(diffSnapshots(before, after).totals).toMatchObject({ added: 2, removed: 1, changed: 2 });
  });

  it('reads a raw member/snap/db copy (no appended hash, file larger than its pages)', async () => {
    const raw = join(work, 'raw.db');
    // bbolt commits in batches: wait until a copy of the backend has the last revision.
    const want = inspectSnapshot(after).revision;
    await until('the backend to commit the last revision', () => {
      copyFileSync(join(etcd!.dir, 'data', 'member', 'snap', 'db'), raw);
      try {
        return inspectSnapshot(raw).revision === want;
      } catch {
        return false; // copied mid-commit
      }
    });
    const r = inspectSnapshot(raw);
    expect(r.integrity.verdict).toBe('absent');
    expect(r.revision).toBe(inspectSnapshot(after).revision);
    expect(r.liveKeys).toBe(inspectSnapshot(after).liveKeys);
  });

  it('agrees with etcdctl that a truncated snapshot is unusable', async () => {
    const cut = join(work, 'cut.db');
    copyFileSync(before, cut);
    truncateSync(cut, 20_000);
    await expect(etcdctlStatus(cut)).rejects.toThrow();
    expect(() => inspectSnapshot(cut)).toThrow(SnapshotError);
    expect(() => inspectSnapshot(cut)).toThrow(/needs \d+ bytes/);
  });
});
