// Reads only what `diff` (and tests) need: the live key set, optionally with value digests.
import type { ByteSource } from './byte-source.js';
import { SnapshotError } from './errors.js';
import type { IntegrityResult } from './integrity.js';
import { buildKeyspace, type Keyspace } from './keyspace.js';
import { readSnapshot, type ReadOptions } from './read.js';

export interface LiveKeysResult {
  keyspace: Keyspace;
  integrity: IntegrityResult;
}

/** Scans a snapshot and returns its live keys (with sha256 digests of values when asked). */
export function readLiveKeys(source: ByteSource, opts: ReadOptions & { digests?: boolean } = {}): LiveKeysResult {
  const builder = buildKeyspace({ digests: opts.digests ?? false });
  let sawKeyBucket = false;
  let inKeyBucket = false;
  const { integrity } = readSnapshot(source, opts, {
    bucket(name) {
      inKeyBucket = name.toString('latin1') === 'key';
      sawKeyBucket ||= inKeyBucket;
      return inKeyBucket;
    },
    entry(key, value) {
      if (inKeyBucket) builder.add(key, value);
    },
  });
  if (!sawKeyBucket) throw new SnapshotError('SNAPSHOT_NOT_ETCD', 'the bbolt file has no "key" bucket, so it is not an etcd v3 database');
  return { keyspace: builder.result(), integrity };
}
