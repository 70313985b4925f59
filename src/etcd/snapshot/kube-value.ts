// Tells what a stored value is and decodes what can be decoded without Kubernetes' schemas.
// Built-in types are stored as "k8s\0" + runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind},
// 2 raw, 3 contentEncoding, 4 contentType}; `raw` is the object, whose field 1 is ObjectMeta
// {1 name, 2 generateName, 3 namespace, 5 uid, 6 resourceVersion, 8 creationTimestamp {1 s, 2 ns},
// 11 labels}. Encrypted values start with "k8s:enc:<provider>:v1:<key name>:".
import { readFields, readMessage, toInt64, WireError, WireType, type Field } from './protobuf.js';

const PROTO_PREFIX = Buffer.from('k8s\0', 'latin1');
const ENC_PREFIX = Buffer.from('k8s:enc:', 'latin1');

export interface KubeObjectSummary {
  apiVersion?: string;
  kind?: string;
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
}

export type DecodedValue =
  | { encoding: 'json'; json: unknown }
  | { encoding: 'protobuf'; object: KubeObjectSummary; rawSize: number }
  | { encoding: 'encrypted'; provider: string; keyName: string }
  | { encoding: 'text'; text: string }
  | { encoding: 'binary' };

/** Classifies and decodes a value; never throws (an undecodable value is reported as binary). */
export function decodeKubeValue(value: Buffer): DecodedValue {
  if (value.subarray(0, 4).equals(PROTO_PREFIX)) {
    const object = decodeUnknown(value.subarray(4));
    if (object) return { encoding: 'protobuf', object: object.summary, rawSize: object.rawSize };
    return { encoding: 'binary' };
  }
  if (value.subarray(0, ENC_PREFIX.length).equals(ENC_PREFIX)) {
    const [provider = '', , keyName = ''] = value.subarray(ENC_PREFIX.length, ENC_PREFIX.length + 256).toString('latin1').split(':');
    return { encoding: 'encrypted', provider, keyName };
  }
  const text = value.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(value) || hasControlBytes(value)) return { encoding: 'binary' };
  if (/^\s*[[{]/.test(text)) {
    try {
      return { encoding: 'json', json: JSON.parse(text) as unknown };
    } catch {
      // Not JSON after all: fall through to text.
    }
  }
  return { encoding: 'text', text };
}

/** NUL and C0 controls other than tab/newline/CR/FF/VT mark a value as binary. */
function hasControlBytes(value: Buffer): boolean {
  for (const b of value) if (b < 0x20 && (b < 0x09 || b > 0x0d)) return true;
  return false;
}

function decodeUnknown(buf: Buffer): { summary: KubeObjectSummary; rawSize: number } | undefined {
  try {
    const unknown = readMessage(buf);
    const summary: KubeObjectSummary = {};
    const typeMeta = unknown.get(1);
    if (typeMeta) {
      const tm = readMessage(typeMeta.bytes);
      setString(summary, 'apiVersion', tm.get(1));
      setString(summary, 'kind', tm.get(2));
    }
    const raw = unknown.get(2)?.bytes ?? Buffer.alloc(0);
    const meta = readMessage(raw).get(1);
    if (meta?.wire === WireType.bytes) decodeObjectMeta(meta.bytes, summary);
    return { summary, rawSize: raw.length };
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
}

function decodeObjectMeta(buf: Buffer, out: KubeObjectSummary): void {
  for (const f of readFields(buf)) {
    if (f.no === 1) setString(out, 'name', f);
    else if (f.no === 2) setString(out, 'generateName', f);
    else if (f.no === 3) setString(out, 'namespace', f);
    else if (f.no === 5) setString(out, 'uid', f);
    else if (f.no === 6) setString(out, 'resourceVersion', f);
    else if (f.no === 8 && f.wire === WireType.bytes) out.creationTimestamp = formatTime(f.bytes);
    else if (f.no === 11 && f.wire === WireType.bytes) {
      const entry = readMessage(f.bytes);
      out.labels = { ...out.labels, [entry.get(1)?.bytes.toString('utf8') ?? '']: entry.get(2)?.bytes.toString('utf8') ?? '' };
    }
  }
}

function setString(out: KubeObjectSummary, field: Exclude<keyof KubeObjectSummary, 'labels'>, f: Field | undefined): void {
  if (f?.wire === WireType.bytes) out[field] = f.bytes.toString('utf8');
}

/** metav1.Time {1 seconds, 2 nanos} as RFC 3339, the way kubectl prints it (seconds precision). */
function formatTime(buf: Buffer): string {
  const t = readMessage(buf);
  const seconds = Number(toInt64(t.get(1)?.int ?? 0n));
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
}
