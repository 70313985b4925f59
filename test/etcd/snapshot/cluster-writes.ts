// The writes behind the committed fixtures and the lab test: what an apiserver leaves in etcd
// (protobuf built-ins, JSON custom resources, updates, deletions, compact_rev_key), plus a
// value large enough for bbolt overflow pages and enough revisions for branch pages.
import { encodeKubeObject } from './kube-proto.js';
import type { ThrowawayEtcd } from './throwaway-etcd.js';

/** Writes cluster "a": returns the revision after the last write. */
export async function writeClusterA(etcd: ThrowawayEtcd, scale = 1): Promise<number> {
  let rev = 0;
  for (const ns of ['default', 'kube-system', 'shop']) {
    rev = await etcd.put(`/registry/namespaces/${ns}`, pod('v1', 'Namespace', ns, undefined, 0));
  }
  for (let i = 0; i < 40 * scale; i++) {
    const ns = i % 2 ? 'shop' : 'default';
    rev = await etcd.put(`/registry/pods/${ns}/web-${i}`, pod('v1', 'Pod', `web-${i}`, ns, i));
  }
  // Updates: several versions of the same pods; only the last one is live.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 20 * scale; i++) rev = await etcd.put(`/registry/pods/default/web-${i * 2}`, pod('v1', 'Pod', `web-${i * 2}`, 'default', 100 + round));
  }
  for (let i = 0; i < 10 * scale; i++) rev = await etcd.del(`/registry/pods/shop/web-${i * 2 + 1}`);
  for (let i = 0; i < 15 * scale; i++) {
    rev = await etcd.put(`/registry/configmaps/kube-system/cm-${i}`, pod('v1', 'ConfigMap', `cm-${i}`, 'kube-system', i));
  }
  rev = await etcd.put('/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com', json({ kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' } }));
  for (let i = 0; i < 8 * scale; i++) {
    rev = await etcd.put(`/registry/example.com/widgets/shop/w-${i}`, json({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: `w-${i}`, namespace: 'shop' }, spec: { size: i } }));
  }
  // One value bigger than a page: stored in overflow pages.
  rev = await etcd.put('/registry/secrets/kube-system/big', pod('v1', 'Secret', 'big', 'kube-system', 7, Buffer.alloc(10_000, 0x61)));
  rev = await etcd.put('compact_rev_key', String(rev));
  return rev;
}

/** Changes cluster "a" into "b": adds, removes and changes keys of several resource types. */
export async function writeClusterBChanges(etcd: ThrowawayEtcd): Promise<number> {
  await etcd.put('/registry/pods/default/web-0', pod('v1', 'Pod', 'web-0', 'default', 999));
  await etcd.put('/registry/pods/default/new-1', pod('v1', 'Pod', 'new-1', 'default', 1000));
  await etcd.del('/registry/configmaps/kube-system/cm-3');
  await etcd.put('/registry/example.com/widgets/shop/w-1', json({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w-1', namespace: 'shop' }, spec: { size: 100 } }));
  // Same bytes again: a new revision but not a change.
  await etcd.put('/registry/example.com/widgets/shop/w-2', json({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w-2', namespace: 'shop' }, spec: { size: 2 } }));
  return etcd.put('/registry/namespaces/extra', pod('v1', 'Namespace', 'extra', undefined, 1001));
}

export function pod(apiVersion: string, kind: string, name: string, namespace: string | undefined, n: number, body?: Buffer): Buffer {
  return encodeKubeObject({
    apiVersion, kind, name, uid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, creationSeconds: 1_767_225_600 + n,
    labels: { app: name.replace(/-\d+$/, '') },
    ...(namespace === undefined ? {} : { namespace }),
    ...(body === undefined ? {} : { body }),
  });
}

function json(v: unknown): string {
  return JSON.stringify(v);
}
