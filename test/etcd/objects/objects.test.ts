import { describe, expect, it } from 'vitest';
import { getObjects, listObjects } from '../../../src/app/objects.js';
import {
  bufferSource, getFromSource,
} from '../../../src/etcd/snapshot/index.js';
import {
  diffObjects, localWarnings, objectInfo, ownerWarnings, parseSelection, planRestore, readSelectedObjects, type StoredObject,
} from '../../../src/etcd/objects/index.js';
import { encodeKubeObject } from '../snapshot/kube-proto.js';
import { encodeOwned, type OwnerSpec } from './owned.js';
import { fixtureBytes, fixturePath } from '../snapshot/fixtures.js';

const so = (key: string, value: Buffer | string, modRevision = 5): StoredObject => ({ key, value: Buffer.from(value), createRevision: 1, modRevision, version: 1 });

const owned = (name: string, uid: string, owner: OwnerSpec): Buffer => encodeOwned({ apiVersion: 'v1', kind: 'Pod', name, namespace: 'prod', uid, owners: [owner] });

describe('the snapshot side', () => {
  it('keeps exactly the latest live bytes of the selected keys, the same as snapshot get', () => {
    const sel = parseSelection({ selectors: ['pods/default'] });
    const read = readSelectedObjects(bufferSource(fixtureBytes('cluster-a')), sel);
    expect(read.objects.size).toBe(20);
    for (const [key, o] of read.objects) expect(o.value.equals(getFromSource(bufferSource(fixtureBytes('cluster-a')), key).value)).toBe(true);
    // Deleted keys stay deleted: shop/web-1 was removed in cluster-a.
    const shop = readSelectedObjects(bufferSource(fixtureBytes('cluster-a')), parseSelection({ selectors: ['pods/shop/web-1'] }));
    expect(shop.objects.size).toBe(0);
  });

  it('lists resource, namespace, name, kind, uid, creation time and encoding', () => {
    const out = listObjects({ snapshot: fixturePath('cluster-a'), selectors: ['pods/default/web-2', 'widgets.example.com/shop/w-3', 'secrets'] });
    expect(out.objects.map((o) => [o.resource, o.namespace, o.name, `${o.apiVersion ?? ''}/${o.kind ?? ''}`, o.uid, o.creationTimestamp, o.encoding])).toEqual([
      ['widgets.example.com', 'shop', 'w-3', 'example.com/v1/Widget', undefined, undefined, 'json'],
      ['pods', 'default', 'web-2', 'v1/Pod', '00000000-0000-4000-8000-000000000102', '2026-01-01T00:01:42Z', 'protobuf'],
      ['secrets', 'kube-system', 'big', 'v1/Secret', '00000000-0000-4000-8000-000000000007', '2026-01-01T00:00:07Z', 'protobuf'],
    ]);
  });

  it('get: JSON whole, protobuf metadata plus fields by number, a Secret without its value', () => {
    const [json] = getObjects({ snapshot: fixturePath('cluster-a'), selectors: ['widgets.example.com/shop/w-3'] });
    expect(json?.object).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w-3', namespace: 'shop' }, spec: { size: 3 } });
    const [pod] = getObjects({ snapshot: fixturePath('cluster-a'), selectors: ['pods/default/web-2'] });
    expect(pod?.object).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-2', labels: { app: 'web' } }, protobufFields: { 2: 'spec' } });
    const [secret] = getObjects({ snapshot: fixturePath('cluster-a'), selectors: ['secrets/kube-system/big'] });
    expect(JSON.stringify(secret)).not.toContain('aaaa');
    expect(secret?.object).toMatchObject({ kind: 'Secret', metadata: { name: 'big' } });
    expect(() => getObjects({ snapshot: fixturePath('cluster-a'), selectors: ['pods/nowhere/x'] })).toThrow(expect.objectContaining({ code: 'OBJECTS_NOT_FOUND' }));
  });
});

describe('diff, plan and warnings', () => {
  const snap = new Map([['/registry/a', so('/registry/a', 'A')], ['/registry/b', so('/registry/b', 'B')], ['/registry/c', so('/registry/c', 'C')]]);
  const live = new Map([['/registry/b', so('/registry/b', 'B')], ['/registry/c', so('/registry/c', 'C2', 9)], ['/registry/d', so('/registry/d', 'D', 11)]]);

  it('missing live, changed, extra live; writes only with the flags that allow them', () => {
    const d = diffObjects(snap, live);
    expect(d.totals).toEqual({ missing: 1, changed: 1, extra: 1, same: 1 });
    expect(d.entries.map((e) => `${e.kind} ${e.key}`)).toEqual(['missing /registry/a', 'changed /registry/c', 'extra /registry/d']);
    const safe = planRestore(d, snap, live, { overwrite: false, prune: false });
    expect(safe.writes.map((w) => `${w.action} ${w.write.key} ${JSON.stringify(w.guard)}`)).toEqual(['create /registry/a {"modRevision":0}']);
    expect(safe.leftAlone.map((l) => l.needs)).toEqual(['--overwrite', '--prune']);
    const all = planRestore(d, snap, live, { overwrite: true, prune: true });
    expect(all.writes.map((w) => `${w.action} ${w.write.key} ${JSON.stringify(w.guard)} ${w.prior?.toString() ?? ''}`)).toEqual([
      'create /registry/a {"modRevision":0} ', 'overwrite /registry/c {"modRevision":9} C2', 'delete /registry/d {"modRevision":11} D',
    ]);
  });

  it('warns about absent owners, encrypted values, changed uids and keys outside /registry/', () => {
    const podKey = '/registry/pods/prod/p1';
    const ownedPod = owned('p1', 'uid-p1', { kind: 'ReplicaSet', name: 'rs1', uid: 'uid-rs1', apiVersion: 'apps/v1' });
    expect(objectInfo(ownedPod).ownerReferences).toEqual([{ kind: 'ReplicaSet', name: 'rs1', uid: 'uid-rs1', apiVersion: 'apps/v1' }]);
    const s = new Map([
      [podKey, so(podKey, ownedPod)],
      ['/registry/secrets/prod/enc', so('/registry/secrets/prod/enc', 'k8s:enc:aescbc:v1:key1:\x01\x02')],
      ['/registry/configmaps/prod/cm', so('/registry/configmaps/prod/cm', encodeKubeObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', namespace: 'prod', uid: 'old', creationSeconds: 1 }))],
    ]);
    const l = new Map([['/registry/configmaps/prod/cm', so('/registry/configmaps/prod/cm', encodeKubeObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', namespace: 'prod', uid: 'new', creationSeconds: 2 }), 8)]]);
    const plan = planRestore(diffObjects(s, l), s, l, { overwrite: true, prune: false });
    const { warnings, owners } = localWarnings(plan.writes, l);
    expect(warnings.map((w) => `${w.code} ${w.key}`).sort()).toEqual(['OBJECTS_WARN_ENCRYPTED /registry/secrets/prod/enc', 'OBJECTS_WARN_UID_CHANGED /registry/configmaps/prod/cm']);
    expect(owners[0]?.candidates).toEqual(['/registry/replicasets/prod/rs1', '/registry/replicasets/rs1']);
    expect(ownerWarnings(owners, new Map()).map((w) => w.code)).toEqual(['OBJECTS_WARN_OWNER_ABSENT']);
    expect(ownerWarnings(owners, new Map([['/registry/replicasets/prod/rs1', 'uid-rs1']]))).toEqual([]);
    expect(ownerWarnings(owners, new Map([['/registry/replicasets/prod/rs1', 'other']]))[0]?.message).toMatch(/exists live with another uid/);
    // The owner restored in the same selection satisfies the reference.
    const rs = encodeKubeObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', namespace: 'prod', uid: 'uid-rs1', creationSeconds: 1 });
    const both = new Map([...s, ['/registry/replicasets/prod/rs1', so('/registry/replicasets/prod/rs1', rs)]]);
    expect(localWarnings(planRestore(diffObjects(both, new Map()), both, new Map(), { overwrite: false, prune: false }).writes, new Map()).owners).toEqual([]);
    const outside = new Map([['/other/x', so('/other/x', 'v')]]);
    expect(localWarnings(planRestore(diffObjects(outside, new Map()), outside, new Map(), { overwrite: false, prune: false }).writes, new Map()).warnings[0]?.code).toBe('OBJECTS_WARN_OUTSIDE_REGISTRY');
  });
});
