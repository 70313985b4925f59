import { describe, expect, it } from 'vitest';
import { buildKeyspace } from '../../../src/etcd/snapshot/keyspace.js';
import { extractResource } from '../../../src/etcd/snapshot/index.js';
import { varint } from './kube-proto.js';

function revKey(main: number, tombstone = false): Buffer {
  const k = Buffer.alloc(tombstone ? 18 : 17);
  k.writeBigInt64BE(BigInt(main), 0);
  k[8] = 0x5f;
  k.writeBigInt64BE(0n, 9);
  if (tombstone) k[17] = 0x74;
  return k;
}

function keyValue(key: string, mod: number, value = ''): Buffer {
  const field = (no: number, b: Buffer) => Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
  return Buffer.concat([field(1, Buffer.from(key)), varint(3 << 3), varint(mod), field(5, Buffer.from(value))]);
}

describe('buildKeyspace', () => {
  it('keeps the latest put of each key; tombstones remove it; a later put revives it', () => {
    const ks = buildKeyspace({ digests: true });
    ks.add(revKey(2), keyValue('/a', 2, 'one'));
    ks.add(revKey(3), keyValue('/b', 3, 'two'));
    ks.add(revKey(4, true), keyValue('/a', 0));
    ks.add(revKey(5), keyValue('/a', 5, 'three'));
    ks.add(revKey(6, true), keyValue('/b', 0));
    const r = ks.result();
    expect([r.revisions, r.tombstones, [...r.live.keys()]]).toEqual([5, 2, ['/a']]);
    expect(r.live.get('/a')).toMatchObject({ modRevision: 5, valueSize: 5 });
  });

  it('rejects malformed revision keys and KeyValues as corruption', () => {
    const ks = buildKeyspace();
    expect(() => ks.add(Buffer.from('not-a-revision'), keyValue('/a', 1))).toThrow(expect.objectContaining({ code: 'SNAPSHOT_CORRUPT' }));
    expect(() => ks.add(revKey(1), Buffer.from([0x0a, 0x05, 0x61]))).toThrow(/malformed KeyValue/);
    expect(() => ks.add(revKey(1), Buffer.alloc(0))).toThrow(/empty key/);
  });
});

describe('extractResource', () => {
  it.each([
    ['/registry/pods/default/web', 'pods'],
    ['/registry/namespaces/default', 'namespaces'],
    ['/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com', 'apiextensions.k8s.io/customresourcedefinitions'],
    ['/registry/example.com/widgets/shop/w-1', 'example.com/widgets'],
    ['/registry/configmaps/kube-system/a.b', 'configmaps'],
    ['compact_rev_key', '(outside /registry)'],
  ])('%s → %s', (key, resource) => {
    expect(extractResource(key)).toBe(resource);
  });
});
