import { describe, expect, it } from 'vitest';
import { decodeKubeValue } from '../../../src/etcd/snapshot/index.js';
import { encodeKubeObject } from './kube-proto.js';

describe('decodeKubeValue', () => {
  it('decodes the object header of a Kubernetes protobuf value', () => {
    const v = encodeKubeObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', namespace: 'prod', uid: 'u-1', creationSeconds: 0 });
    expect(decodeKubeValue(v)).toEqual({
      encoding: 'protobuf',
      rawSize: expect.any(Number) as number,
      object: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', namespace: 'prod', uid: 'u-1', resourceVersion: '12345', creationTimestamp: '1970-01-01T00:00:00Z' },
    });
  });

  it('reports a damaged protobuf value as binary instead of throwing', () => {
    const v = encodeKubeObject({ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', creationSeconds: 1 });
    expect(decodeKubeValue(v.subarray(0, v.length - 3))).toEqual({ encoding: 'binary' });
  });

  it('recognises values encrypted at rest', () => {
    const v = Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key1:'), Buffer.from([0, 1, 2, 250])]);
    expect(decodeKubeValue(v)).toEqual({ encoding: 'encrypted', provider: 'aescbc', keyName: 'key1' });
  });

  it('tells JSON, text and binary apart', () => {
    expect(decodeKubeValue(Buffer.from('{"a":[1]}'))).toEqual({ encoding: 'json', json: { a: [1] } });
    expect(decodeKubeValue(Buffer.from('{not json'))).toEqual({ encoding: 'text', text: '{not json' });
    expect(decodeKubeValue(Buffer.from('12345'))).toEqual({ encoding: 'text', text: '12345' });
    expect(decodeKubeValue(Buffer.from([0xff, 0xfe, 0x00]))).toEqual({ encoding: 'binary' });
    expect(decodeKubeValue(Buffer.from('a\0b'))).toEqual({ encoding: 'binary' });
  });
});
