// Replays the `key` bucket in revision order to find each key's latest live version: a put
// sets it, a tombstone removes it. Memory grows with the number of live keys only (key string
// plus a few numbers), never with value sizes.
import { createHash } from 'node:crypto';
import { decodeKeyValue, parseRevisionKey } from './mvcc.js';

export interface LiveKey {
  createRevision: number;
  modRevision: number;
  version: number;
  valueSize: number;
  /** sha256 of the value (base64, 16 bytes) when digests were asked for (diff). */
  digest?: string;
}

export interface Keyspace {
  /** Entries in the `key` bucket: every stored revision, tombstones included. */
  revisions: number;
  tombstones: number;
  /** Latest live version of each key. Keys are decoded as UTF-8 (Kubernetes keys are). */
  live: Map<string, LiveKey>;
}

export interface KeyspaceBuilder {
  add(revKey: Buffer, value: Buffer): void;
  result(): Keyspace;
}

/** The digest `LiveKey.digest` holds; the drill computes the same one for live values. */
export function valueDigest(value: Uint8Array): string {
  return createHash('sha256').update(value).digest('base64').slice(0, 22);
}

/** Collects live keys from `key` bucket entries fed in bucket (= revision) order. */
export function buildKeyspace(opts: { digests?: boolean } = {}): KeyspaceBuilder {
  const live = new Map<string, LiveKey>();
  let revisions = 0;
  let tombstones = 0;
  return {
    add(revKey, value) {
      const rev = parseRevisionKey(revKey);
      const kv = decodeKeyValue(value, rev);
      const key = kv.key.toString('utf8');
      revisions++;
      if (rev.tombstone) {
        tombstones++;
        live.delete(key);
        return;
      }
      const entry: LiveKey = { createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, valueSize: kv.value.length };
      if (opts.digests) entry.digest = valueDigest(kv.value);
      live.set(key, entry);
    },
    result: () => ({ revisions, tombstones, live }),
  };
}
