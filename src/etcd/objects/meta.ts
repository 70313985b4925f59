// What an operator needs to know about one stored value, from whichever encoding it has: the
// existing decoder classifies it and reads ObjectMeta's identity fields; ownerReferences (ObjectMeta
// field 13: OwnerReference {1 kind, 3 name, 4 uid, 5 apiVersion}) are read here for the
// garbage-collector warning. JSON values carry the same facts under `metadata`.
import { decodeKubeValue, type DecodedValue } from '../snapshot/kube-value.js';
import { readFields, readMessage, WireError, WireType } from '../snapshot/protobuf.js';

export type ObjectEncoding = 'json' | 'protobuf' | 'encrypted' | 'text' | 'binary';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface ObjectInfo {
  encoding: ObjectEncoding;
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
  ownerReferences: OwnerRef[];
  /** Encrypted values: `<provider>:<key name>`. */
  encryption?: string;
}

const PROTO_PREFIX = 4; // "k8s\0"

/** Classifies and summarises a value; never throws. */
export function objectInfo(value: Buffer, decoded: DecodedValue = decodeKubeValue(value)): ObjectInfo {
  switch (decoded.encoding) {
    case 'protobuf': {
      const { labels: _labels, resourceVersion: _rv, generateName: _gn, ...rest } = decoded.object;
      return { encoding: 'protobuf', ...rest, ownerReferences: protobufOwners(value) };
    }
    case 'json':
      return { encoding: 'json', ...jsonInfo(decoded.json) };
    case 'encrypted':
      return { encoding: 'encrypted', encryption: `${decoded.provider}:${decoded.keyName}`, ownerReferences: [] };
    default:
      return { encoding: decoded.encoding, ownerReferences: [] };
  }
}

function jsonInfo(doc: unknown): Omit<ObjectInfo, 'encoding'> {
  const o = isRecord(doc) ? doc : {};
  const meta = isRecord(o['metadata']) ? o['metadata'] : {};
  const out: Omit<ObjectInfo, 'encoding'> = { ownerReferences: [] };
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const set = (k: 'apiVersion' | 'kind' | 'name' | 'namespace' | 'uid' | 'creationTimestamp', v: unknown): void => {
    const s = str(v);
    if (s !== undefined) out[k] = s;
  };
  set('apiVersion', o['apiVersion']);
  set('kind', o['kind']);
  set('name', meta['name']);
  set('namespace', meta['namespace']);
  set('uid', meta['uid']);
  set('creationTimestamp', meta['creationTimestamp']);
  const owners = Array.isArray(meta['ownerReferences']) ? (meta['ownerReferences'] as unknown[]) : [];
  for (const r of owners) {
    if (isRecord(r)) out.ownerReferences.push({ apiVersion: str(r['apiVersion']) ?? '', kind: str(r['kind']) ?? '', name: str(r['name']) ?? '', uid: str(r['uid']) ?? '' });
  }
  return out;
}

function protobufOwners(value: Buffer): OwnerRef[] {
  try {
    const raw = readMessage(value.subarray(PROTO_PREFIX)).get(2)?.bytes;
    const meta = raw ? readMessage(raw).get(1) : undefined;
    if (meta?.wire !== WireType.bytes) return [];
    return readFields(meta.bytes).filter((f) => f.no === 13 && f.wire === WireType.bytes).map((f) => {
      const r = readMessage(f.bytes);
      const s = (no: number): string => (r.get(no)?.wire === WireType.bytes ? (r.get(no)?.bytes.toString('utf8') ?? '') : '');
      return { kind: s(1), name: s(3), uid: s(4), apiVersion: s(5) };
    });
  } catch (err) {
    if (err instanceof WireError) return [];
    throw err;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
