// The snapshot side of every `objects` command: one streamed scan of the `key` bucket (page by
// page, through the existing bbolt reader) that keeps the latest live revision of the selected
// keys only. Memory grows with the selection (its values), not with the snapshot.
import type { ByteSource } from '../snapshot/byte-source.js';
import { SnapshotError } from '../snapshot/errors.js';
import type { IntegrityResult } from '../snapshot/integrity.js';
import { decodeKeyValue, parseRevisionKey } from '../snapshot/mvcc.js';
import { readSnapshot, type ReadOptions } from '../snapshot/read.js';
import type { Selection } from './selector.js';

export interface StoredObject {
  key: string;
  /** The exact bytes etcd holds (what a restore writes back). */
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
}

export interface SelectedObjects {
  /** Live selected keys, sorted by key. */
  objects: Map<string, StoredObject>;
  /** Revision of the newest entry in the `key` bucket. */
  revision: number;
  integrity: IntegrityResult;
}

/** Scans the snapshot once; keys are decoded as UTF-8 (Kubernetes keys are). */
export function readSelectedObjects(source: ByteSource, selection: Selection, opts: ReadOptions = {}): SelectedObjects {
  const found = new Map<string, StoredObject>();
  let inKeyBucket = false;
  let sawKeyBucket = false;
  let revision = 0;
  const { integrity } = readSnapshot(source, opts, {
    bucket(name) {
      inKeyBucket = name.toString('latin1') === 'key';
      sawKeyBucket ||= inKeyBucket;
      return inKeyBucket;
    },
    entry(revKey, raw) {
      if (!inKeyBucket) return;
      const rev = parseRevisionKey(revKey);
      revision = Math.max(revision, rev.main);
      const kv = decodeKeyValue(raw, rev);
      const key = kv.key.toString('utf8');
      // No cache of verdicts: it would grow with every key of the snapshot.
      if (!selection.matches(key)) return;
      if (rev.tombstone) {
        found.delete(key);
        return;
      }
      // Copy: the page buffer behind `kv.value` is released once the scan moves on.
      found.set(key, { key, value: Buffer.from(kv.value), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version });
    },
  });
  if (!sawKeyBucket) throw new SnapshotError('SNAPSHOT_NOT_ETCD', 'the bbolt file has no "key" bucket, so it is not an etcd v3 database');
  const sorted = new Map([...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { objects: sorted, revision, integrity };
}
