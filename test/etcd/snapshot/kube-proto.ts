// Test-side protobuf encoder for Kubernetes-shaped values ("k8s\0" + runtime.Unknown), so
// fixtures hold what an apiserver would store without needing one.
export interface KubeObjectSpec {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
  creationSeconds: number;
  labels?: Record<string, string>;
  /** Bytes standing in for spec/status (field 2 of the object). */
  body?: Buffer;
}

/** Encodes an object the way the apiserver's protobuf serializer frames it. */
export function encodeKubeObject(o: KubeObjectSpec): Buffer {
  const meta = Buffer.concat([
    str(1, o.name),
    o.namespace === undefined ? Buffer.alloc(0) : str(3, o.namespace),
    str(5, o.uid),
    str(6, '12345'),
    bytes(8, varintField(1, o.creationSeconds)),
    ...Object.entries(o.labels ?? {}).map(([k, v]) => bytes(11, Buffer.concat([str(1, k), str(2, v)]))),
  ]);
  const raw = Buffer.concat([bytes(1, meta), bytes(2, o.body ?? Buffer.from('spec'))]);
  const unknown = Buffer.concat([bytes(1, Buffer.concat([str(1, o.apiVersion), str(2, o.kind)])), bytes(2, raw), str(4, '')]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}

export function varint(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return Buffer.from(out);
}

function varintField(no: number, n: number): Buffer {
  return Buffer.concat([varint(no << 3), varint(n)]);
}

function bytes(no: number, b: Buffer): Buffer {
  return Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
}

function str(no: number, s: string): Buffer {
  return bytes(no, Buffer.from(s, 'utf8'));
}
