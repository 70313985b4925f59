import { describe, expect, it } from 'vitest';
import { getSnapshotValue, valueToJson } from '../../../src/app/snapshot.js';
import { bufferSource, getFromSource, renderValue, SnapshotError } from '../../../src/etcd/snapshot/index.js';
import { fixtureBytes, fixturePath } from './fixtures.js';

const a = () => bufferSource(fixtureBytes('cluster-a'));

describe('snapshot get', () => {
  it('decodes the latest version of a Kubernetes protobuf value, not an older one', () => {
    const v = getFromSource(a(), '/registry/pods/default/web-2');
    expect(v.decoded).toEqual({
      encoding: 'protobuf',
      rawSize: expect.any(Number) as number,
      object: {
        apiVersion: 'v1', kind: 'Pod', name: 'web-2', namespace: 'default', uid: '00000000-0000-4000-8000-000000000102',
        resourceVersion: '12345', creationTimestamp: '2026-01-01T00:01:42Z', labels: { app: 'web' },
      },
    });
    // Created once, then updated three times.
    expect(v.version).toBe(4);
    expect(v.modRevision).toBeGreaterThan(v.createRevision);
  });

  it('prints JSON values exactly as stored', () => {
    const v = getSnapshotValue(fixturePath('cluster-a'), '/registry/example.com/widgets/shop/w-3');
    expect(renderValue(v)).toBe('{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w-3","namespace":"shop"},"spec":{"size":3}}\n');
  });

  it('reads a value stored in bbolt overflow pages', () => {
    const v = getFromSource(a(), '/registry/secrets/kube-system/big');
    expect(v.value.length).toBeGreaterThan(10_000);
    expect(v.decoded.encoding).toBe('protobuf');
  });

  it('renders protobuf objects as a readable header', () => {
    expect(renderValue(getFromSource(a(), '/registry/configmaps/kube-system/cm-4'))).toMatchInlineSnapshot(`
      "# /registry/configmaps/kube-system/cm-4: Kubernetes protobuf, 116 bytes, modRevision 119; spec/status not decoded
      apiVersion: v1
      kind: ConfigMap
      name: cm-4
      namespace: kube-system
      uid: 00000000-0000-4000-8000-000000000004
      resourceVersion: 12345
      creationTimestamp: 2026-01-01T00:00:04Z
      labels:
        app: cm
      "
    `);
  });

  it('gives base64 plus the decoded view in JSON output', () => {
    const v = getFromSource(a(), 'compact_rev_key');
    const json = valueToJson(v);
    expect(Buffer.from(json.base64 as string, 'base64').toString()).toMatch(/^\d+$/);
    expect(json.decoded).toEqual({ encoding: 'text', text: expect.stringMatching(/^\d+$/) as string });
  });

  it('says when a key was deleted and at which revision', () => {
    expect(() => getFromSource(a(), '/registry/pods/shop/web-1')).toThrow(/was deleted at revision \d+/);
    try {
      getFromSource(a(), '/registry/pods/none');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SnapshotError);
      expect((err as SnapshotError).code).toBe('SNAPSHOT_KEY_NOT_FOUND');
      expect((err as SnapshotError).message).toMatch(/is not in the snapshot/);
    }
  });
});
