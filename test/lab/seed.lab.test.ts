// startLab's etcdSeedSnapshot: every stacked member restored from a snapshot before etcd first
// starts (the large-e2e bench seeds a multi-GiB db this way instead of writing it through raft).
// The snapshot comes from a throwaway single-member etcd whose member and URLs are not the lab's:
// only a restore with the lab's --initial-cluster and each member's peer URL gives the exact
// member list (the name given to the restore does not show: etcd publishes its --name when it
// starts). Every member must be seeded: a serializable read answers from its own store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startEtcd } from '../etcd/snapshot/throwaway-etcd.js';
import { labMembers, seedValue, startLab, verifyCluster, type SeedSet } from './index.js';
import { useLab } from './vitest.js';

const KEYS = 300;
const seed: SeedSet = { prefix: '/registry/configmaps/kubedr-lab-seeded/', count: KEYS, tag: `seeded-${process.pid}` };
const keyOf = (i: number): string => `${seed.prefix}${String(i).padStart(6, '0')}`;

let dir = '';
let snapshot = '';

const env = useLab(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubedr-lab-seed-'));
  snapshot = join(dir, 'seed.db');
  const etcd = await startEtcd();
  try {
    for (let i = 0; i < KEYS; i++) await etcd.put(keyOf(i), seedValue(seed, i));
    await etcd.save(snapshot);
  } finally {
    await etcd.stop();
  }
  return { controlPlanes: 3, workers: 0, etcdSeedSnapshot: snapshot };
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('every member starts from the snapshot: the seeded keys on each, the exact member list, one cluster', async () => {
  const { lab } = env;
  // Member list exactly etcd-cp1..3 at their peer URLs (not the throwaway's member), every member
  // healthy with a leader and the same cluster id, every apiserver ready, every key with its value.
  expect(await verifyCluster(lab, { seeded: [seed] })).toEqual([]);
  expect(labMembers(lab).map((m) => m.name)).toEqual(['etcd-cp1', 'etcd-cp2', 'etcd-cp3']);
  // Each member's own store holds every key (a serializable read answers from the member itself).
  for (const m of labMembers(lab)) {
    const r = await lab.etcd.call<{ count?: string; kvs?: { key: string; value: string }[] }>(lab.clientURL(m.node), '/v3/kv/range', {
      key: Buffer.from(seed.prefix).toString('base64'),
      range_end: Buffer.from(seed.prefix.replace(/\/$/, '0')).toString('base64'),
      serializable: true,
    });
    const kvs = (r.kvs ?? []).map((kv) => [Buffer.from(kv.key, 'base64').toString(), Buffer.from(kv.value, 'base64').toString()]);
    expect({ member: m.name, keys: kvs.length }).toEqual({ member: m.name, keys: KEYS });
    expect(kvs.every(([k, v]) => v === seedValue(seed, Number(k?.slice(seed.prefix.length))))).toBe(true);
  }
  // The lab writes on top of the seed as on any cluster.
  await lab.etcd.putMany(lab.clientURL('cp2'), [{ key: keyOf(KEYS), value: 'after' }]);
  expect(await lab.etcd.countPrefix(lab.clientURL('cp3'), seed.prefix)).toBe(KEYS + 1);
});

it('refuses a seed for external etcd and a seed file that does not exist, before starting anything', async () => {
  await expect(startLab({ etcd: 'external', etcdSeedSnapshot: snapshot })).rejects.toThrow('etcdSeedSnapshot seeds stacked members only');
  await expect(startLab({ etcdSeedSnapshot: join(dir, 'missing.db') })).rejects.toThrow(`etcdSeedSnapshot: no file ${join(dir, 'missing.db')}`);
});
