// What `lab up` hands to kubedr and to tests: the kubedr inventory (YAML), the same facts as
// JSON (lab.json), and an OpenSSH known_hosts with each node's real host key.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabNode } from './node-start.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The lab's etcd member name for a node: never the node name, so a runbook that puts the node
 * name where the member name belongs (--name, --initial-cluster) fails on the lab, as on the
 * clusters where they differ.
 */
export const etcdMemberName = (node: string): string => `etcd-${node}`;

/** The `etcd:` line of a node in an inventory, when the node runs a member. */
export const inventoryEtcdLine = (n: { etcdName?: string }): string => (n.etcdName ? `\n    etcd: { name: ${n.etcdName} }` : '');

export interface InventoryFacts {
  id: string;
  sshPort: number;
  clientKeyPath: string;
  knownHostsPath: string;
  nodes: LabNode[];
  /** etcd client certificates on the nodes. @default kubeadm's healthcheck-client */
  etcdTls?: { cacert: string; cert: string; key: string };
}

/** The inventory in kubedr's format (schemas/inventory.schema.json). */
export function renderInventory(f: InventoryFacts): string {
  const tls = f.etcdTls ?? { cacert: '/etc/kubernetes/pki/etcd/ca.crt', cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt', key: '/etc/kubernetes/pki/etcd/healthcheck-client.key' };
  const nodes = f.nodes.map((n) => `  - name: ${n.name}\n    address: ${n.address}\n    roles: [${n.roles.join(', ')}]${inventoryEtcdLine(n)}`).join('\n');
  return `# yaml-language-server: $schema=${join(REPO_ROOT, 'schemas', 'inventory.schema.json')}
# kubedr lab ${f.id}: written by \`npm run lab -- up\`; removed by \`down\`.
apiVersion: kubedr.io/v1alpha1
kind: Inventory
cluster:
  name: lab
defaults:
  ssh:
    user: root
    port: ${f.sshPort}
    identityFile: ${f.clientKeyPath}
    knownHostsFile: ${f.knownHostsPath}
    connectTimeout: 10s
  paths:
    manifestDir: /etc/kubernetes/manifests
    etcdDataDir: /var/lib/etcd
    pkiDir: /etc/kubernetes/pki
etcd:
  tool: auto
  tls:
    cacert: ${tls.cacert}
    cert: ${tls.cert}
    key: ${tls.key}
nodes:
${nodes}
`;
}

/** lab.json: everything a test or the demo needs to drive the lab without importing it. */
export interface LabInfo {
  id: string;
  root: string;
  block: number;
  inventoryPath: string;
  knownHostsPath: string;
  clientKeyPath: string;
  /** Host copy of an etcd client cert set (healthcheck-client) for talking to etcd from the host. */
  etcdTls: { cacert: string; cert: string; key: string };
  nodes: LabNode[];
}
