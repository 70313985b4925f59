// The external etcd topology as Kubespray installs it: etcd on its own hosts as a systemd
// service (/etc/systemd/system/etcd.service reading /etc/etcd.env), certificates under
// /etc/ssl/etcd/ssl (ca.pem, member-<host>.pem, admin-<host>.pem on every etcd host;
// node-<host>.pem on the control planes), kube-apiserver pointed at every member. A node's /etc
// is an overlay of the host's /etc (see node/init.sh), so these files are the node's own.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { ExternalEtcdClient } from './manifests.js';
import type { LabNode } from './node-start.js';
import { makeCa, makeLeaf } from './pki.js';

export const ETCD_SSL = '/etc/ssl/etcd/ssl';
export const ETCD_ENV = '/etc/etcd.env';
export const ETCD_UNIT = '/etc/systemd/system/etcd.service';

/** `<etc upper>/…` for a path under /etc inside the node. */
const etcPath = (n: LabNode, path: string): string => join(n.dirs.etc, path.replace(/^\/etc\//, ''));

/** Kubespray's etcd certificates, every one in `dir` as <name>.pem + <name>-key.pem. */
export async function generateEtcdSsl(dir: string, hosts: LabNode[], controlPlanes: LabNode[]): Promise<void> {
  const work = join(dir, '.work');
  mkdirSync(work, { recursive: true });
  const cnf = join(work, 'openssl.cnf');
  writeFileSync(cnf, '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=kubedr-lab\n');
  await makeCa(work, 'etcd/ca', 'etcd-ca', cnf);
  const sans = (n: LabNode): string[] => [`DNS:${n.name}`, 'DNS:localhost', `IP:${n.address}`, 'IP:127.0.0.1'];
  const leaves = [
    ...hosts.map((h) => ({ file: `member-${h.name}`, subject: `/CN=etcd-member-${h.name}`, sans: sans(h), usage: 'both' as const })),
    ...hosts.map((h) => ({ file: `admin-${h.name}`, subject: `/CN=etcd-admin-${h.name}`, usage: 'client' as const })),
    ...controlPlanes.map((c) => ({ file: `node-${c.name}`, subject: `/CN=etcd-node-${c.name}`, usage: 'client' as const })),
  ];
  const limit = pLimit(4);
  await Promise.all(leaves.map((l) => limit(() => makeLeaf(work, work, { ca: 'etcd/ca', ...l }, cnf))));
  for (const name of ['etcd/ca', ...leaves.map((l) => l.file)]) {
    const base = name === 'etcd/ca' ? 'ca' : name;
    renameSync(join(work, `${name}.crt`), join(dir, `${base}.pem`));
    renameSync(join(work, `${name}.key`), join(dir, `${base}-key.pem`));
  }
  rmSync(work, { recursive: true, force: true });
}

/** /etc/etcd.env of one member, in Kubespray's shape (no 127.0.0.1 listener: see README). */
export function etcdEnv(self: LabNode, members: LabNode[]): string {
  const a = self.address;
  const ic = members.map((m) => `${m.etcdName ?? m.name}=https://${m.address}:2380`).join(',');
  return `# Environment file for etcd v3.4.23
ETCD_DATA_DIR=/var/lib/etcd
ETCD_ADVERTISE_CLIENT_URLS=https://${a}:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=https://${a}:2380
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_METRICS=basic
ETCD_LISTEN_CLIENT_URLS=https://${a}:2379
ETCD_ELECTION_TIMEOUT=5000
ETCD_HEARTBEAT_INTERVAL=250
ETCD_INITIAL_CLUSTER_TOKEN=k8s_etcd
ETCD_LISTEN_PEER_URLS=https://${a}:2380
ETCD_NAME=${self.etcdName ?? self.name}
ETCD_INITIAL_CLUSTER=${ic}
ETCD_AUTO_COMPACTION_RETENTION=8
ETCD_SNAPSHOT_COUNT=10000

# TLS settings
ETCD_TRUSTED_CA_FILE=${ETCD_SSL}/ca.pem
ETCD_CERT_FILE=${ETCD_SSL}/member-${self.name}.pem
ETCD_KEY_FILE=${ETCD_SSL}/member-${self.name}-key.pem
ETCD_CLIENT_CERT_AUTH=true

ETCD_PEER_TRUSTED_CA_FILE=${ETCD_SSL}/ca.pem
ETCD_PEER_CERT_FILE=${ETCD_SSL}/member-${self.name}.pem
ETCD_PEER_KEY_FILE=${ETCD_SSL}/member-${self.name}-key.pem
ETCD_PEER_CLIENT_CERT_AUTH=True
`;
}

/** Kubespray's etcd.service (host deployment); RestartSec shortened so the lab recovers fast. */
export function etcdUnit(): string {
  return `[Unit]
Description=etcd
After=network.target

[Service]
Type=notify
User=root
EnvironmentFile=${ETCD_ENV}
ExecStart=/usr/bin/etcd
NotifyAccess=all
Restart=always
RestartSec=1s
LimitNOFILE=40000

[Install]
WantedBy=multi-user.target
`;
}

/** How a control plane's kube-apiserver reaches the external members. */
export function apiserverEtcdClient(cp: LabNode, members: LabNode[]): ExternalEtcdClient {
  return {
    servers: members.map((m) => `https://${m.address}:2379`),
    cafile: `${ETCD_SSL}/ca.pem`, certfile: `${ETCD_SSL}/node-${cp.name}.pem`, keyfile: `${ETCD_SSL}/node-${cp.name}-key.pem`, certDir: ETCD_SSL,
  };
}

/** Files of an etcd host (certs, env, unit, started at boot) or of a control plane (its certs). */
export function writeExternalEtcdFiles(n: LabNode, members: LabNode[], sslDir: string): void {
  const ssl = etcPath(n, ETCD_SSL);
  mkdirSync(ssl, { recursive: true, mode: 0o700 });
  const isMember = n.roles.includes('etcd');
  const files = readdirSync(sslDir).filter((f) => isMember ? !f.startsWith('node-') : f === 'ca.pem' || f.startsWith(`node-${n.name}.`) || f.startsWith(`node-${n.name}-`));
  for (const f of files) {
    copyFileSync(join(sslDir, f), join(ssl, f));
    chmodSync(join(ssl, f), f.endsWith('-key.pem') ? 0o600 : 0o644);
  }
  if (!isMember) return;
  writeFileSync(etcPath(n, ETCD_ENV), etcdEnv(n, members), { mode: 0o640 });
  mkdirSync(etcPath(n, '/etc/systemd/system'), { recursive: true });
  writeFileSync(etcPath(n, ETCD_UNIT), etcdUnit());
  writeFileSync(join(n.dirs.root, 'boot-units'), 'etcd.service\n');
}
