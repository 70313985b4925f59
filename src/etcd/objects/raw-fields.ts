// `objects get` of a protobuf value: besides ObjectMeta, the object's other fields (by
// convention spec and status) shown as protobuf wire fields by number, the way
// `protoc --decode_raw` does. Honest: no Kubernetes field names are guessed or hand-typed.
import { readFields, readMessage, WireError, WireType, type Field } from '../snapshot/protobuf.js';

export type RawValue = string | number | RawFields | (string | number | RawFields)[];
export interface RawFields { [fieldNumber: string]: RawValue }

const MAX_DEPTH = 12;

/** The fields of the object inside the Unknown envelope, except field 1 (ObjectMeta). */
export function objectBodyFields(value: Buffer): RawFields | undefined {
  try {
    const raw = readMessage(value.subarray(4)).get(2)?.bytes;
    if (!raw) return undefined;
    const fields = readFields(raw).filter((f) => f.no !== 1);
    return collect(fields, 0);
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
}

function collect(fields: readonly Field[], depth: number): RawFields {
  const out: RawFields = {};
  for (const f of fields) {
    const v = fieldValue(f, depth);
    const prev = out[f.no];
    out[f.no] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v as string] : [prev as string, v as string];
  }
  return out;
}

function fieldValue(f: Field, depth: number): string | number | RawFields {
  if (f.wire !== WireType.bytes) return f.int <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(f.int) : f.int.toString();
  const text = f.bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(f.bytes) && !f.bytes.some((b) => b < 0x09 || (b > 0x0d && b < 0x20))) return text;
  if (depth < MAX_DEPTH) {
    try {
      return collect(readFields(f.bytes), depth + 1);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
    }
  }
  return `base64:${f.bytes.toString('base64')}`;
}
