// Use-cases behind `kubedr objects list|get`: the snapshot only, no cluster. One streamed scan
// keeps the selected keys; values are summarised (list) or shown (get). Values under
// /registry/secrets/ are never shown: get prints their metadata only.
import { decodeKubeValue } from '../etcd/snapshot/index.js';
import {
  objectBodyFields, objectInfo, ObjectsError, parseObjectKey, parseSelection, readSelectedObjects,
  type ListedObject, type SelectedObjects, type SelectionInput, type StoredObject,
} from '../etcd/objects/index.js';
import { openFileSource, SnapshotError, type IntegrityResult } from '../etcd/snapshot/index.js';

export interface ObjectsSnapshotOptions extends SelectionInput {
  snapshot: string;
  /** Do not verify the sha256 that `etcdctl snapshot save` appends. @default false */
  skipHashCheck?: boolean;
}

export interface ObjectsListOutput {
  snapshot: string;
  revision: number;
  integrity: IntegrityResult;
  objects: ListedObject[];
}

export const SECRETS_PREFIX = '/registry/secrets/';
export const isSecretKey = (key: string): boolean => key.startsWith(SECRETS_PREFIX);

/** Objects of a snapshot, by resource, namespace and name (every key without a selection). */
export function listObjects(o: ObjectsSnapshotOptions): ObjectsListOutput {
  const read = readSelected(o, true);
  return { snapshot: o.snapshot, revision: read.revision, integrity: read.integrity, objects: [...read.objects.values()].map(listed) };
}

export interface ObjectView {
  key: string;
  encoding: string;
  modRevision: number;
  size: number;
  /** The object: JSON values whole; protobuf: decoded metadata and wire fields by number. */
  object: Record<string, unknown>;
}

/** The objects a selector names (at least one, or OBJECTS_NOT_FOUND). */
export function getObjects(o: ObjectsSnapshotOptions): ObjectView[] {
  const read = readSelected(o, false);
  if (read.objects.size === 0) {
    throw new ObjectsError('OBJECTS_NOT_FOUND', `no live key in ${o.snapshot} matches ${[...(o.selectors ?? []), ...(o.prefixes ?? [])].join(', ')}`, {
      hint: `list what is there: kubedr objects list ${o.snapshot} --select RESOURCE`,
    });
  }
  return [...read.objects.values()].map(viewOf);
}

export function listed(s: StoredObject): ListedObject {
  const k = parseObjectKey(s.key);
  const { ownerReferences: _owners, ...info } = objectInfo(s.value);
  return {
    key: s.key, resource: k.resource, size: s.value.length, modRevision: s.modRevision, ...info,
    name: info.name ?? k.name, ...(info.namespace ?? k.namespace ? { namespace: info.namespace ?? k.namespace } : {}),
  };
}

export function viewOf(s: StoredObject): ObjectView {
  const decoded = decodeKubeValue(s.value);
  const info = objectInfo(s.value, decoded);
  const base = { key: s.key, encoding: info.encoding, modRevision: s.modRevision, size: s.value.length };
  const secret = isSecretKey(s.key);
  const withheld = 'the value of a Secret is never printed; metadata only';
  if (decoded.encoding === 'json') {
    if (!secret) return { ...base, object: decoded.json as Record<string, unknown> };
    const doc = (decoded.json ?? {}) as Record<string, unknown>;
    return { ...base, object: { apiVersion: doc['apiVersion'], kind: doc['kind'], metadata: doc['metadata'], kubedr: withheld } };
  }
  if (decoded.encoding === 'protobuf') {
    const o = decoded.object;
    const metadata = Object.fromEntries(Object.entries({
      name: o.name, generateName: o.generateName, namespace: o.namespace, uid: o.uid, creationTimestamp: o.creationTimestamp, labels: o.labels,
      ownerReferences: info.ownerReferences.length > 0 ? info.ownerReferences : undefined,
    }).filter(([, v]) => v !== undefined));
    const fields = secret ? undefined : objectBodyFields(s.value);
    return {
      ...base,
      object: {
        apiVersion: o.apiVersion, kind: o.kind, metadata,
        kubedr: secret ? withheld : 'Kubernetes protobuf: metadata decoded; the other fields (spec, status…) by protobuf field number, names need the type schema',
        ...(fields ? { protobufFields: fields } : {}),
      },
    };
  }
  if (decoded.encoding === 'encrypted') return { ...base, object: { kubedr: `encrypted at rest (${info.encryption ?? ''}); cannot be decoded without the key` } };
  if (decoded.encoding === 'text' && !secret) return { ...base, object: { text: decoded.text } };
  return { ...base, object: { kubedr: secret ? withheld : `binary value; base64: ${s.value.toString('base64')}` } };
}

/** Opens the snapshot, scans it for the selection, always closes it; names the file in errors. */
export function readSelected(o: ObjectsSnapshotOptions, emptyMeansAll: boolean): SelectedObjects {
  const selection = parseSelection({ ...o, emptyMeansAll });
  const source = openFileSource(o.snapshot);
  try {
    return readSelectedObjects(source, selection, { skipHashCheck: o.skipHashCheck ?? false });
  } catch (err) {
    if (err instanceof SnapshotError && !err.message.startsWith(o.snapshot)) {
      throw new SnapshotError(err.code, `${o.snapshot}: ${err.message}`, { cause: err, ...(err.hint === undefined ? {} : { hint: err.hint }) });
    }
    throw err;
  } finally {
    source.close();
  }
}
