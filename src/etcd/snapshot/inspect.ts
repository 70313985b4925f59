// `snapshot inspect`: the numbers `etcdctl snapshot status` prints (revision = main revision of
// the last `key` bucket entry, total keys = entries of all top-level buckets, hash = CRC-32C
// of bucket names, keys and values, size = pages × page size), plus the integrity verdict and
// the live keys per resource type.
import type { ByteSource } from './byte-source.js';
import { Crc32c } from './crc32c.js';
import { SnapshotError } from './errors.js';
import type { IntegrityResult } from './integrity.js';
import { buildKeyspace } from './keyspace.js';
import { readMainRevision } from './mvcc.js';
import { readSnapshot, type ReadOptions } from './read.js';
import { countByResource } from './resource.js';

export interface SnapshotInspection {
  fileSize: number;
  /** Database bytes (pages × page size): `snapshot status` "total size". */
  totalSize: number;
  pageSize: number;
  revision: number;
  /** `snapshot status` "total keys": entries in all buckets, every revision counted. */
  totalKeys: number;
  /** `snapshot status` "hash": CRC-32C of the bucket contents. */
  hash: number;
  integrity: IntegrityResult;
  buckets: Record<string, number>;
  /** Entries of the `key` bucket (revisions) and deletions among them. */
  revisions: number;
  tombstones: number;
  liveKeys: number;
  /** Live keys per resource type (/registry/<resource>/…). */
  resources: Record<string, number>;
}

/** Inspects a snapshot in one pass over its pages. */
export function inspectSource(source: ByteSource, opts: ReadOptions = {}): SnapshotInspection {
  const crc = new Crc32c();
  const keyspace = buildKeyspace();
  const buckets: Record<string, number> = {};
  let current = '';
  let totalKeys = 0;
  let revision = 0;
  let sawKeyBucket = false;
  const { db, integrity } = readSnapshot(source, opts, {
    bucket(name) {
      current = name.toString('latin1');
      sawKeyBucket ||= current === 'key';
      buckets[current] = 0;
      crc.update(name);
      return true;
    },
    entry(key, value) {
      crc.update(key).update(value);
      totalKeys++;
      buckets[current] = (buckets[current] ?? 0) + 1;
      if (current === 'key') {
        revision = readMainRevision(key);
        keyspace.add(key, value);
      }
    },
  });
  if (!sawKeyBucket) throw new SnapshotError('SNAPSHOT_NOT_ETCD', 'the bbolt file has no "key" bucket, so it is not an etcd v3 database');
  const keys = keyspace.result();
  return {
    fileSize: source.size,
    totalSize: db.size,
    pageSize: db.meta.pageSize,
    revision,
    totalKeys,
    hash: crc.digest(),
    integrity,
    buckets,
    revisions: keys.revisions,
    tombstones: keys.tombstones,
    liveKeys: keys.live.size,
    resources: countByResource(keys.live.keys()),
  };
}
