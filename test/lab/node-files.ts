// The files kubeadm leaves on a node: PKI copies, kubeconfigs, static-pod manifests on control
// planes; CA and kubelet.conf on workers (as after `kubeadm join`).
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { apiserverEtcdClient, writeExternalEtcdFiles } from './external-etcd.js';
import { join } from 'node:path';
import {
  apiserverManifest, componentManifest, etcdManifest, initialCluster, INITIAL_CLUSTER_TOKEN, kubeconfig, type EtcdManifestFlags, type ManifestMember,
} from './manifests.js';
import type { LabNode } from './node-start.js';
import { runOk } from './proc.js';

/** The etcd member of a node: its member name (etcd-<node>), not the node name, and address. */
export const member = (c: LabNode): ManifestMember => ({ name: c.etcdName ?? c.name, address: c.address });

/** External etcd: the members (own hosts) and the host dir with their Kubespray certificates. */
export interface ExternalEtcd {
  members: LabNode[];
  sslDir: string;
}

export function writeNodeFiles(n: LabNode, cps: LabNode[], shared: string, external?: ExternalEtcd, etcdFlags?: EtcdManifestFlags): void {
  const k = n.dirs.etcKubernetes;
  const caPem = readFileSync(join(shared, 'ca.crt'), 'utf8');
  if (external && (n.roles.includes('etcd') || n.roles.includes('control-plane'))) writeExternalEtcdFiles(n, external.members, external.sslDir);
  // An etcd host of the external topology is no Kubernetes node.
  if (!n.roles.includes('control-plane') && n.roles.includes('etcd')) return;
  if (n.roles.includes('control-plane')) {
    // kubeadm with etcd.external writes no etcd certificates of its own.
    if (external) rmSync(join(k, 'pki', 'etcd'), { recursive: true, force: true });
    const pki = ['ca.crt', 'ca.key', ...(external ? [] : ['etcd/ca.crt', 'etcd/ca.key', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key', 'apiserver-etcd-client.crt', 'apiserver-etcd-client.key'])];
    for (const f of pki) {
      mkdirSync(join(k, 'pki', 'etcd'), { recursive: true });
      copyFileSync(join(shared, f), join(k, 'pki', f));
    }
    if (external) rmSync(join(k, 'pki', 'etcd'), { recursive: true, force: true });
    const server = `https://${n.address}:6443`;
    const admin = { cert: readFileSync(join(shared, 'admin.crt'), 'utf8'), key: readFileSync(join(shared, 'admin.key'), 'utf8') };
    writeFileSync(join(k, 'admin.conf'), kubeconfig(server, caPem, 'kubernetes-admin', admin), { mode: 0o600 });
    for (const c of ['controller-manager.conf', 'scheduler.conf']) writeFileSync(join(k, c), kubeconfig(server, caPem, c.replace('.conf', '')));
    const m = join(k, 'manifests');
    // The etcd member names (etcd-<node>), not the node names: --name and --initial-cluster.
    if (!external) writeFileSync(join(m, 'etcd.yaml'), etcdManifest(member(n), cps.map(member), etcdFlags), { mode: 0o600 });
    writeFileSync(join(m, 'kube-apiserver.yaml'), apiserverManifest(n, external && apiserverEtcdClient(n, external.members)), { mode: 0o600 });
    writeFileSync(join(m, 'kube-controller-manager.yaml'), componentManifest('kube-controller-manager'), { mode: 0o600 });
    writeFileSync(join(m, 'kube-scheduler.yaml'), componentManifest('kube-scheduler'), { mode: 0o600 });
  } else {
    // A worker as `kubeadm join` leaves it.
    writeFileSync(join(k, 'pki', 'ca.crt'), caPem);
    writeFileSync(join(k, 'kubelet.conf'), kubeconfig(`https://${cps[0]?.address ?? ''}:6443`, caPem, 'default-auth'));
    writeFileSync(join(n.dirs.kubelet, 'kubedr-lab-joined.json'), JSON.stringify({ joinedAt: new Date().toISOString(), server: `https://${cps[0]?.address ?? ''}:6443` }));
  }
}

/**
 * A stacked member's data dir restored from `snapshot` before its etcd first starts, as the
 * manifest would bootstrap it: `etcdctl snapshot restore` with the member's own --name and peer
 * URL, the manifest's --initial-cluster and etcd's default token, into a sibling dir that then
 * replaces the (empty) /var/lib/etcd. etcd finds a data dir and starts from it.
 */
export async function seedEtcdData(n: LabNode, cps: LabNode[], snapshot: string): Promise<void> {
  const self = member(n);
  const seeded = `${n.dirs.etcdData}.seed`;
  rmSync(seeded, { recursive: true, force: true });
  await runOk('etcdctl', [
    'snapshot', 'restore', snapshot, `--name=${self.name}`, `--initial-cluster=${initialCluster(cps.map(member))}`,
    `--initial-cluster-token=${INITIAL_CLUSTER_TOKEN}`, `--initial-advertise-peer-urls=https://${self.address}:2380`, `--data-dir=${seeded}`,
  ], { env: { ...process.env, ETCDCTL_API: '3' } });
  rmSync(n.dirs.etcdData, { recursive: true, force: true });
  renameSync(seeded, n.dirs.etcdData);
  chmodSync(n.dirs.etcdData, 0o700);
}
