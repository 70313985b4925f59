// The files kubeadm leaves on a node: PKI copies, kubeconfigs, static-pod manifests on control
// planes; CA and kubelet.conf on workers (as after `kubeadm join`).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiserverManifest, componentManifest, etcdManifest, kubeconfig } from './manifests.js';
import type { LabNode } from './node-start.js';


export function writeNodeFiles(n: LabNode, cps: LabNode[], shared: string): void {
  const k = n.dirs.etcKubernetes;
  const caPem = readFileSync(join(shared, 'ca.crt'), 'utf8');
  if (n.roles.includes('control-plane')) {
    for (const f of ['ca.crt', 'ca.key', 'etcd/ca.crt', 'etcd/ca.key', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key', 'apiserver-etcd-client.crt', 'apiserver-etcd-client.key']) {
      mkdirSync(join(k, 'pki', 'etcd'), { recursive: true });
      copyFileSync(join(shared, f), join(k, 'pki', f));
    }
    const server = `https://${n.address}:6443`;
    const admin = { cert: readFileSync(join(shared, 'admin.crt'), 'utf8'), key: readFileSync(join(shared, 'admin.key'), 'utf8') };
    writeFileSync(join(k, 'admin.conf'), kubeconfig(server, caPem, 'kubernetes-admin', admin), { mode: 0o600 });
    for (const c of ['controller-manager.conf', 'scheduler.conf']) writeFileSync(join(k, c), kubeconfig(server, caPem, c.replace('.conf', '')));
    const m = join(k, 'manifests');
    const members = cps.map((c) => ({ name: c.name, address: c.address }));
    writeFileSync(join(m, 'etcd.yaml'), etcdManifest(n, members), { mode: 0o600 });
    writeFileSync(join(m, 'kube-apiserver.yaml'), apiserverManifest(n), { mode: 0o600 });
    writeFileSync(join(m, 'kube-controller-manager.yaml'), componentManifest('kube-controller-manager'), { mode: 0o600 });
    writeFileSync(join(m, 'kube-scheduler.yaml'), componentManifest('kube-scheduler'), { mode: 0o600 });
  } else {
    // A worker as `kubeadm join` leaves it.
    writeFileSync(join(k, 'pki', 'ca.crt'), caPem);
    writeFileSync(join(k, 'kubelet.conf'), kubeconfig(`https://${cps[0]?.address ?? ''}:6443`, caPem, 'default-auth'));
    writeFileSync(join(n.dirs.kubelet, 'kubedr-lab-joined.json'), JSON.stringify({ joinedAt: new Date().toISOString(), server: `https://${cps[0]?.address ?? ''}:6443` }));
  }
}
