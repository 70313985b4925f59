// A minimal protobuf wire-format reader (varint and length-delimited fields are all etcd's
// KeyValue and Kubernetes' envelope need). Malformed input throws WireError; callers decide
// whether that means a corrupt snapshot or merely an undecodable value.
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

export interface Field {
  no: number;
  wire: number;
  /** Varint / fixed values as bigint (int64 revisions and lease ids need all 64 bits). */
  int: bigint;
  /** Length-delimited payload (empty for scalar fields). */
  bytes: Buffer;
}

/** Iterates the fields of one message; unknown fields are returned too, groups are rejected. */
export function* readFields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= buf.length) throw new WireError('varint runs past the end of the message');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new WireError('varint longer than 10 bytes');
  };
  const take = (n: number): Buffer => {
    if (pos + n > buf.length) throw new WireError(`field of ${n} bytes runs past the end of the message`);
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (no === 0) throw new WireError('field number 0');
    if (wire === WireType.varint) yield { no, wire, int: varint(), bytes: EMPTY };
    else if (wire === WireType.fixed64) yield { no, wire, int: take(8).readBigUInt64LE(0), bytes: EMPTY };
    else if (wire === WireType.fixed32) yield { no, wire, int: BigInt(take(4).readUInt32LE(0)), bytes: EMPTY };
    else if (wire === WireType.bytes) yield { no, wire, int: 0n, bytes: take(Number(varint())) };
    else throw new WireError(`unsupported wire type ${wire} for field ${no}`);
  }
}

const EMPTY = Buffer.alloc(0);

/** Interprets a varint as a signed int64 (protobuf int64 encodes negatives in 10 bytes). */
export function toInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** Reads the fields of a message into a map of last-wins values (what proto3 decoders do for scalars). */
export function readMessage(buf: Buffer): Map<number, Field> {
  const out = new Map<number, Field>();
  for (const f of readFields(buf)) out.set(f.no, f);
  return out;
}
