// The inventory `lab up` writes: kubedr's format with the lab's facts.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderInventory } from './inventory.js';
import { nodeDirs, type LabNode } from './node-start.js';

const node = (name: string, last: number, roles: LabNode['roles']): LabNode => ({
  name, address: `127.123.0.${last}`, sshPort: 2222, roles, dirs: nodeDirs('/tmp/kubedr-lab-x', name),
});

describe('renderInventory', () => {
  it('writes the kubedr inventory with ssh defaults, etcd TLS paths and every node', () => {
    const text = renderInventory({
      id: 'x', sshPort: 2222, clientKeyPath: '/tmp/kubedr-lab-x/client_key', knownHostsPath: '/tmp/kubedr-lab-x/known_hosts',
      nodes: [{ ...node('cp1', 1, ['control-plane', 'etcd']), etcdName: 'etcd-cp1' }, node('w1', 11, ['worker'])],
    });
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=\/.*\/schemas\/inventory\.schema\.json$/);
    expect(parse(text)).toEqual({
      apiVersion: 'kubedr.io/v1alpha1',
      kind: 'Inventory',
      cluster: { name: 'lab' },
      defaults: {
        ssh: { user: 'root', port: 2222, identityFile: '/tmp/kubedr-lab-x/client_key', knownHostsFile: '/tmp/kubedr-lab-x/known_hosts', connectTimeout: '10s' },
        paths: { manifestDir: '/etc/kubernetes/manifests', etcdDataDir: '/var/lib/etcd', pkiDir: '/etc/kubernetes/pki' },
      },
      etcd: {
        tool: 'auto',
        tls: { cacert: '/etc/kubernetes/pki/etcd/ca.crt', cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt', key: '/etc/kubernetes/pki/etcd/healthcheck-client.key' },
      },
      nodes: [
        { name: 'cp1', address: '127.123.0.1', roles: ['control-plane', 'etcd'], etcd: { name: 'etcd-cp1' } },
        { name: 'w1', address: '127.123.0.11', roles: ['worker'] },
      ],
    });
  });
});
