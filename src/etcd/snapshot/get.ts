// `snapshot get`: the latest live value of one key. The `key` bucket is ordered by revision,
// not by key, so this is a full scan; only the matching revisions are decoded and kept.
import type { ByteSource } from './byte-source.js';
import { SnapshotError } from './errors.js';
import type { IntegrityResult } from './integrity.js';
import { decodeKubeValue, type DecodedValue } from './kube-value.js';
import { decodeKeyValue, parseRevisionKey, type KeyValue } from './mvcc.js';
import { readSnapshot, type ReadOptions } from './read.js';

export interface SnapshotValue {
  key: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: string;
  value: Buffer;
  decoded: DecodedValue;
  integrity: IntegrityResult;
}

/** Finds the latest live version of `key`; throws SNAPSHOT_KEY_NOT_FOUND if absent or deleted. */
export function getFromSource(source: ByteSource, key: string, opts: ReadOptions = {}): SnapshotValue {
  const wanted = Buffer.from(key, 'utf8');
  let latest: KeyValue | undefined;
  let deletedAt: number | undefined;
  let inKeyBucket = false;
  let sawKeyBucket = false;
  const { integrity } = readSnapshot(source, opts, {
    bucket(name) {
      inKeyBucket = name.toString('latin1') === 'key';
      sawKeyBucket ||= inKeyBucket;
      return inKeyBucket;
    },
    entry(revKey, value) {
      if (!inKeyBucket) return;
      const rev = parseRevisionKey(revKey);
      const kv = decodeKeyValue(value, rev);
      if (!kv.key.equals(wanted)) return;
      // Copy: the page buffer behind `kv` is released after the scan moves on.
      latest = rev.tombstone ? undefined : { ...kv, key: Buffer.from(kv.key), value: Buffer.from(kv.value) };
      deletedAt = rev.tombstone ? rev.main : undefined;
    },
  });
  if (!sawKeyBucket) throw new SnapshotError('SNAPSHOT_NOT_ETCD', 'the bbolt file has no "key" bucket, so it is not an etcd v3 database');
  if (!latest) {
    const why = deletedAt === undefined ? 'is not in the snapshot' : `was deleted at revision ${deletedAt}`;
    throw new SnapshotError('SNAPSHOT_KEY_NOT_FOUND', `key ${JSON.stringify(key)} ${why}`);
  }
  return {
    key,
    createRevision: latest.createRevision,
    modRevision: latest.modRevision,
    version: latest.version,
    lease: latest.lease,
    value: latest.value,
    decoded: decodeKubeValue(latest.value),
    integrity,
  };
}
