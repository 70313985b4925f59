// Test-side encoder of a protobuf object whose ObjectMeta carries ownerReferences (field 13:
// OwnerReference {1 kind, 3 name, 4 uid, 5 apiVersion}), framed like the apiserver stores it.
import { varint } from '../snapshot/kube-proto.js';

export interface OwnerSpec { kind: string; name: string; uid: string; apiVersion: string }

const field = (no: number, b: Buffer | string): Buffer => {
  const bytes = Buffer.from(b);
  return Buffer.concat([varint((no << 3) | 2), varint(bytes.length), bytes]);
};

export function encodeOwned(o: { apiVersion: string; kind: string; name: string; namespace: string; uid: string; owners: OwnerSpec[] }): Buffer {
  const refs = o.owners.map((r) => field(13, Buffer.concat([field(1, r.kind), field(3, r.name), field(4, r.uid), field(5, r.apiVersion)])));
  const meta = Buffer.concat([field(1, o.name), field(3, o.namespace), field(5, o.uid), ...refs]);
  const raw = Buffer.concat([field(1, meta), field(2, 'spec')]);
  const unknown = Buffer.concat([field(1, Buffer.concat([field(1, o.apiVersion), field(2, o.kind)])), field(2, raw)]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}
