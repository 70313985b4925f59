import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors/index.js';
import { parseInventory, readInventory } from '../../src/inventory/index.js';
import { FIXTURES, inventoryWith } from '../helpers/build.js';

const load = (name: string) => parseInventory(readFileSync(`${FIXTURES}/inventories/${name}`, 'utf8'), name);

describe('native inventory', () => {
  it('parses the format fixed in the brief, and the shipped example', () => {
    const inv = load('brief-format.yaml');
    expect(inv.nodes[0]).toMatchObject({
      name: 'cp1',
      roles: ['control-plane', 'etcd'],
      ssh: { user: 'root', port: 2222, connectTimeoutMs: 10_000, proxyJump: 'bastion.example:22', identityFile: '~/.ssh/id_ed25519', knownHostsFile: '~/.ssh/known_hosts' },
      become: { enabled: false, method: 'sudo' },
      etcd: { name: 'cp1', peerURL: 'https://10.0.0.11:2380', clientURL: 'https://10.0.0.11:2379' },
    });
    const example = parseInventory(readFileSync('inventories/example.yaml', 'utf8'), 'inventories/example.yaml');
    expect(example.nodes.map((n) => n.name)).toEqual(['cp1', 'cp2', 'cp3', 'w1', 'w2']);
  });

  it('inherits defaults < groups (in listed order) < node; roles are the union', () => {
    const inv = inventoryWith(
      `  - { name: a, address: 127.0.0.1, groups: [g1, g2], roles: [worker], ssh: { port: 2200 }, labels: { z: n } }\n`,
      `defaults: { ssh: { user: ops, port: 22, connectTimeout: 3s }, paths: { pkiDir: /pki } }
groups:
  g1: { roles: [etcd], ssh: { user: g1user }, labels: { z: g1, k: g1 }, vars: { v: 1 } }
  g2: { roles: [control-plane], ssh: { user: g2user }, become: { enabled: true }, vars: { v: 2 } }
`,
    );
    expect(inv.nodes[0]).toMatchObject({
      roles: ['control-plane', 'etcd', 'worker'],
      ssh: { user: 'g2user', port: 2200, connectTimeoutMs: 3000 },
      become: { enabled: true },
      labels: { z: 'n', k: 'g1' },
      vars: { v: 2 },
      paths: { pkiDir: '/pki', manifestDir: '/etc/kubernetes/manifests', etcdDataDir: '/var/lib/etcd' },
    });
    expect(inv.groups).toEqual({ g1: ['a'], g2: ['a'] });
  });

  it('derives etcd identities from the address (IPv6 bracketed) only for etcd nodes', () => {
    const inv = inventoryWith(`  - { name: e1, address: "::1", roles: [etcd] }\n  - { name: w1, address: 127.0.0.2, roles: [worker] }\n`);
    expect(inv.nodes[0]?.etcd).toEqual({ name: 'e1', peerURL: 'https://[::1]:2380', clientURL: 'https://[::1]:2379' });
    expect(inv.nodes[1]?.etcd).toBeUndefined();
  });

  it('allows x- keys holding anchors reused with merge keys', () => {
    const inv = inventoryWith('  - { <<: *cp, name: cp1, address: 127.0.0.11 }\n', 'x-cp: &cp { roles: [control-plane, etcd], ssh: { port: 2222 } }\n');
    expect(inv.nodes[0]).toMatchObject({ roles: ['control-plane', 'etcd'], ssh: { port: 2222 } });
  });

  it('accepts durations as strings or integer milliseconds', () => {
    const inv = inventoryWith(`  - { name: a, address: 127.0.0.1, ssh: { connectTimeout: 1500 } }\n  - { name: b, address: 127.0.0.2, ssh: { connectTimeout: 1h } }\n`);
    expect(inv.nodes.map((n) => n.ssh.connectTimeoutMs)).toEqual([1500, 3_600_000]);
  });

  it('hashes what the inventory means, not the file it came from', () => {
    const text = readFileSync(`${FIXTURES}/inventories/three-masters.yaml`, 'utf8');
    expect(parseInventory(text, 'a.yaml').hash).toBe(parseInventory(`# moved\n${text}`, 'b.yaml').hash);
    expect(parseInventory(text.replace('127.0.0.13', '127.0.0.14'), 'a.yaml').hash).not.toBe(parseInventory(text, 'a.yaml').hash);
  });

  it('throws one InputError with every problem', () => {
    const bad = 'apiVersion: kubedr.io/v1alpha1\nkind: Inventory\ncluster: { name: x }\nnodes:\n  - { name: a, address: 127.0.0.1, groups: [nope] }\n  - { name: a, address: 127.0.0.2 }\n';
    const err = (() => {
      try {
        parseInventory(bad, 'bad.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems.map((p) => p.code)).toEqual(['INVENTORY_UNKNOWN_GROUP', 'INVENTORY_DUPLICATE_NODE']);
  });
});

describe('shipped examples', () => {
  it.each(readdirSync('inventories').filter((f) => f.endsWith('.yaml')))('inventories/%s parses without errors', (name) => {
    const { problems, inventory } = readInventory(readFileSync(`inventories/${name}`, 'utf8'), name);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(inventory?.nodes.length).toBeGreaterThan(0);
  });
});

describe('Ansible / Kubespray inventory', () => {
  it('inherits connection vars from all.vars and groups, like Ansible', () => {
    const inv = parseInventory(readFileSync('inventories/kubespray.example.yaml', 'utf8'), 'k.yaml');
    expect(inv.nodes.map((n) => [n.name, n.ssh.user, n.ssh.identityFile, n.become.enabled, n.groups.join(',')])).toEqual([
      ['cp1', 'root', '~/.ssh/id_ed25519', false, 'kube_control_plane,etcd,k8s_cluster'],
      ['cp2', 'root', '~/.ssh/id_ed25519', false, 'kube_control_plane,etcd,k8s_cluster'],
      ['cp3', 'root', '~/.ssh/id_ed25519', false, 'kube_control_plane,etcd,k8s_cluster'],
      ['w1', 'ops', '~/.ssh/id_ed25519', true, 'kube_node,k8s_cluster'],
    ]);
    expect(inv.vars).toEqual({ etcd_deployment_type: 'host' });
    expect(inv.cluster.name).toBe('prod');
  });

  it('is detected and translated: hosts, roles from groups, ssh, etcd member names', () => {
    const inv = load('three-masters.kubespray.yaml');
    expect(inv.format).toBe('ansible');
    expect(inv.cluster.name).toBe('lab');
    expect(inv.nodes.map((n) => [n.name, n.address, n.roles.join('+'), n.ssh.user, n.ssh.port])).toEqual([
      ['cp1', '127.0.0.11', 'control-plane+etcd', 'root', 22],
      ['cp2', '127.0.0.12', 'control-plane+etcd', 'root', 2222],
      ['cp3', '127.0.0.13', 'control-plane+etcd', 'root', 22],
      ['w1', '127.0.0.21', 'worker', 'ops', 22],
      ['w2', '127.0.0.22', 'worker', 'ops', 22],
    ]);
    expect(inv.nodes[2]?.etcd?.name).toBe('etcd-three');
    expect(inv.vars).toEqual({ dns: 'coredns', etcd_deployment_type: 'kubeadm' });
  });

  it('resolves to the same inventory as the native twin', () => {
    const { source: _a, format: _b, ...native } = load('three-masters.yaml');
    const { source: _c, format: _d, ...ansible } = load('three-masters.kubespray.yaml');
    const strip = (n: (typeof native.nodes)[number]) => ({ ...n, pos: undefined });
    expect({ ...ansible, nodes: ansible.nodes.map(strip) }).toEqual({ ...native, nodes: native.nodes.map(strip) });
  });

  it('handles nested children, legacy group names, ip for etcd URLs and become', () => {
    const text = `all:
  hosts:
    m1: { ansible_host: 127.0.0.5, ip: 127.0.1.5, ansible_become: true, node_taints: none }
  children:
    k8s_cluster:
      children:
        kube-master: { hosts: { m1: } }
    etcd: { hosts: { m1: } }
  vars: { etcd_deployment_type: kubeadm }
`;
    const result = readInventory(text, 'hosts.yaml');
    expect(result.problems).toEqual([]);
    expect(result.inventory?.nodes[0]).toMatchObject({
      roles: ['control-plane', 'etcd'],
      groups: ['k8s_cluster', 'kube-master', 'etcd'],
      become: { enabled: true },
      etcd: { name: 'm1', peerURL: 'https://127.0.1.5:2380' },
      vars: { node_taints: 'none' },
    });
    expect(result.inventory?.cluster.name).toBe('cluster.local');
  });
});
