// etcd's MVCC layout in the `key` bucket: the bbolt key is the revision {main u64 BE, '_',
// sub u64 BE} (17 bytes) plus a trailing 't' for a deletion (tombstone); the value is an
// mvccpb.KeyValue protobuf {1 key, 2 create_revision, 3 mod_revision, 4 version, 5 value, 6 lease}.
import { SnapshotCorruptError } from './errors.js';
import { toInt64, WireError, WireReader, WireType } from './protobuf.js';

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
  // Hand-rolled over the reader (no Field objects, no BigInt): this runs once per stored revision.
  const r = new WireReader(buf);
  try {
    while (!r.done) {
      const tag = r.varintNumber();
      const no = Math.floor(tag / 8);
      const wire = tag % 8;
      if (no === 1 && wire === WireType.bytes) kv.key = r.take(r.varintNumber());
      else if (no === 2 && wire === WireType.varint) kv.createRevision = r.varintNumber();
      else if (no === 3 && wire === WireType.varint) kv.modRevision = r.varintNumber();
      else if (no === 4 && wire === WireType.varint) kv.version = r.varintNumber();
      else if (no === 5 && wire === WireType.bytes) kv.value = r.take(r.varintNumber());
      else if (no === 6 && wire === WireType.varint) kv.lease = toInt64(r.varint()).toString();
      else if (no === 0) throw new WireError('field number 0');
      else r.skip(wire, no);
    }
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    throw new SnapshotCorruptError(`bucket "key": revision ${rev.main}_${rev.sub} holds a malformed KeyValue (${err.message})`, { cause: err });
  }
  if (kv.key.length === 0) throw new SnapshotCorruptError(`bucket "key": revision ${rev.main}_${rev.sub} has an empty key`);
  return kv;
}

const EMPTY = Buffer.alloc(0);
