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

const EMPTY = Buffer.alloc(0);

/** Cursor over one message; a class rather than closures because it runs once per stored revision. */
export class WireReader {
  pos = 0;

  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    // Fast path: values below 2^28 (tags, lengths, most revisions) without BigInt arithmetic.
    let small = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      small |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return BigInt(small >>> 0);
    }
    let result = BigInt(small >>> 0);
    for (let shift = 28n; shift < 70n; shift += 7n) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** A varint as a number without BigInt: exact below 2^53 (revisions, versions, lengths). */
  varintNumber(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** Skips the payload of a field of the given wire type. */
  skip(wire: number, no: number): void {
    if (wire === WireType.varint) this.varintNumber();
    else if (wire === WireType.fixed64) this.take(8);
    else if (wire === WireType.fixed32) this.take(4);
    else if (wire === WireType.bytes) this.take(this.varintNumber());
    else throw new WireError(`unsupported wire type ${wire} for field ${no}`);
  }

  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new WireError(`field of ${n} bytes runs past the end of the message`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  field(): Field {
    const tag = this.varint();
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (no === 0) throw new WireError('field number 0');
    if (wire === WireType.varint) return { no, wire, int: this.varint(), bytes: EMPTY };
    if (wire === WireType.fixed64) return { no, wire, int: this.take(8).readBigUInt64LE(0), bytes: EMPTY };
    if (wire === WireType.fixed32) return { no, wire, int: BigInt(this.take(4).readUInt32LE(0)), bytes: EMPTY };
    if (wire === WireType.bytes) return { no, wire, int: 0n, bytes: this.take(Number(this.varint())) };
    throw new WireError(`unsupported wire type ${wire} for field ${no}`);
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new WireError('varint runs past the end of the message');
    return this.buf[this.pos++]!;
  }
}

/** The fields of one message in wire order; unknown fields are returned too, groups are rejected. */
export function readFields(buf: Buffer): Field[] {
  const reader = new WireReader(buf);
  const fields: Field[] = [];
  while (!reader.done) fields.push(reader.field());
  return fields;
}

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
