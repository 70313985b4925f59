import { describe, expect, it } from 'vitest';
import { etcdMembers, renderEndpoints, renderInitialCluster, tlsFlagWords } from '../../src/etcd/initial-cluster.js';
import { fixtureInventory } from '../helpers/build.js';

describe('initial cluster', () => {
  const members = etcdMembers(fixtureInventory());

  it('lists etcd members in inventory order, workers excluded', () => {
    expect(members.map((m) => m.name)).toEqual(['cp1', 'cp2', 'etcd-three']);
  });

  it('renders --initial-cluster and --endpoints', () => {
    expect(renderInitialCluster(members)).toBe('cp1=https://127.0.0.11:2380,cp2=https://127.0.0.12:2380,etcd-three=https://127.0.0.13:2380');
    expect(renderEndpoints(members)).toBe('https://127.0.0.11:2379,https://127.0.0.12:2379,https://127.0.0.13:2379');
    expect(renderInitialCluster([])).toBe('');
  });

  it('gives etcdctl TLS flags as separate words', () => {
    expect(tlsFlagWords({ cacert: '/ca', cert: '/c', key: '/k' })).toEqual(['--cacert=/ca', '--cert=/c', '--key=/k']);
  });
});
