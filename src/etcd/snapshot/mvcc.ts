// etcd's MVCC layout in the `key` bucket: the bbolt key is the revision {main u64 BE, '_',
// sub u64 BE} (17 bytes) plus a trailing 't' for a deletion (tombstone); the value is an
// mvccpb.KeyValue protobuf {1 key, 2 create_revision, 3 mod_revision, 4 version, 5 value, 6 lease}.
import { SnapshotCorruptError } from './errors.js';
import { readFields, toInt64, WireError, WireType } from './protobuf.js';

const REV_BYTES = 17;
const TOMBSTONE = 0x74; // 't'
const SEPARATOR = 0x5f; // '_'

export interface Revision {
  main: number;
  sub: number;
  tombstone: boolean;
}

export interface KeyValue {
  key: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Buffer;
  /** Lease id as a decimal string (int64; may exceed 2^53). "0" = no lease. */
  lease: string;
}

/** Parses a `key` bucket key; anything but 17 or 18 well-formed bytes is corruption. */
export function parseRevisionKey(k: Buffer): Revision {
  const tombstone = k.length === REV_BYTES + 1 && k[REV_BYTES] === TOMBSTONE;
  if ((k.length !== REV_BYTES && !tombstone) || k[8] !== SEPARATOR) {
    throw new SnapshotCorruptError(`bucket "key": 0x${k.subarray(0, 24).toString('hex')} is not a revision key`);
  }
  return { main: Number(k.readBigInt64BE(0)), sub: Number(k.readBigInt64BE(9)), tombstone };
}

/** The `main` part of a revision key, as `snapshot status` reads it (no validation). */
export function readMainRevision(k: Buffer): number {
  return k.length >= 8 ? Number(k.readBigInt64BE(0)) : 0;
}

/** Decodes an mvccpb.KeyValue; a malformed one is corruption of the snapshot. */
export function decodeKeyValue(buf: Buffer, rev: Revision): KeyValue {
  const kv: KeyValue = { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: '0' };
  try {
    for (const f of readFields(buf)) {
      if (f.no === 1 && f.wire === WireType.bytes) kv.key = f.bytes;
      else if (f.no === 2 && f.wire === WireType.varint) kv.createRevision = Number(toInt64(f.int));
      else if (f.no === 3 && f.wire === WireType.varint) kv.modRevision = Number(toInt64(f.int));
      else if (f.no === 4 && f.wire === WireType.varint) kv.version = Number(toInt64(f.int));
      else if (f.no === 5 && f.wire === WireType.bytes) kv.value = f.bytes;
      else if (f.no === 6 && f.wire === WireType.varint) kv.lease = toInt64(f.int).toString();
    }
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    throw new SnapshotCorruptError(`bucket "key": revision ${rev.main}_${rev.sub} holds a malformed KeyValue (${err.message})`, { cause: err });
  }
  if (kv.key.length === 0) throw new SnapshotCorruptError(`bucket "key": revision ${rev.main}_${rev.sub} has an empty key`);
  return kv;
}

const EMPTY = Buffer.alloc(0);
