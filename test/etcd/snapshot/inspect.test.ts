import { describe, expect, it } from 'vitest';
import { inspectSnapshot } from '../../../src/app/snapshot.js';
import { bufferSource, inspectSource, readLiveKeys, renderInspection } from '../../../src/etcd/snapshot/index.js';
import { expectedOf, fixtureBytes, fixturePath } from './fixtures.js';

describe.each(['cluster-a', 'cluster-b'] as const)('inspect %s (etcd 3.4 snapshot)', (name) => {
  const expected = expectedOf(name);

  it('reports what `etcdctl snapshot status` reports', () => {
    const r = inspectSnapshot(fixturePath(name));
    expect({ hash: r.hash, revision: r.revision, totalKey: r.totalKeys, totalSize: r.totalSize }).toEqual(expected.status);
    expect(r.integrity.verdict).toBe('ok');
    expect(r.integrity.actual).toBe(r.integrity.expected);
  });

  it('computes the live key set `etcdctl get --prefix --keys-only` lists', () => {
    const { keyspace } = readLiveKeys(bufferSource(fixtureBytes(name)));
    expect([...keyspace.live.keys()].sort()).toEqual(expected.liveKeys);
  });

  it('counts live keys per resource type', () => {
    const r = inspectSource(bufferSource(fixtureBytes(name)));
    const total = Object.values(r.resources).reduce((a, b) => a + b, 0);
    expect(total).toBe(expected.liveKeys.length);
    expect(r.resources['example.com/widgets']).toBe(8);
    expect(r.resources['apiextensions.k8s.io/customresourcedefinitions']).toBe(1);
    expect(r.resources['(outside /registry)']).toBe(1);
  });

  it('reads a raw db copy (no appended hash) with the same numbers and verdict "absent"', () => {
    const raw = fixtureBytes(name).subarray(0, expected.status.totalSize);
    const r = inspectSource(bufferSource(raw));
    expect(r.integrity).toEqual({ verdict: 'absent' });
    expect([r.revision, r.totalKeys, r.hash]).toEqual([expected.status.revision, expected.status.totalKey, expected.status.hash]);
  });
});

describe('inspect output', () => {
  it('skips the sha256 only when asked', () => {
    const r = inspectSource(bufferSource(fixtureBytes('cluster-a')), { skipHashCheck: true });
    expect(r.integrity.verdict).toBe('skipped');
  });

  it('renders a stable text report', () => {
    const r = inspectSource(bufferSource(fixtureBytes('cluster-a')));
    expect(renderInspection('a.db', r)).toMatchInlineSnapshot(`
      "snapshot:    a.db
      integrity:   ok (sha256 bc007fc6f2846d92975c251c286889d0d825407793126520f5d5b4f42dea03dc matches the appended hash)
      hash:        1311880c (crc32c, as etcdctl snapshot status)
      revision:    140
      total keys:  143 (all buckets, every revision)
      total size:  81920 bytes (20 pages of 4096); file 81952 bytes
      live keys:   59 (139 revisions stored, 10 deletions)

      live keys per resource:
        (outside /registry)                             1
        apiextensions.k8s.io/customresourcedefinitions  1
        configmaps                                      15
        example.com/widgets                             8
        namespaces                                      3
        pods                                            30
        secrets                                         1
      "
    `);
  });
});
