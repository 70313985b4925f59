// The damage modes that take files do what a lost disk does: the files are gone from the node
// (not moved somewhere on it a runbook could find), kept off the node for the test, the member
// is down, and verifyCluster says so; putting them back heals the lab (so the modes can be
// checked one after another on one lab).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../e2e/support.js';
import { loseEtcdPki, loseQuorumWithManifests, putBack, seedKeys, takenCopy, verifyCluster, waitClusterUp, wipeAllWithManifests, wipeNode, type FileDamage, type SeedSet } from './index.js';
import { useLab } from './vitest.js';

// The repository's own fixtures (hostile backups hold etcd.yaml files) are not the node's: a clone
// under /tmp is visible from the nodes.
const REPO = `'${process.cwd().replaceAll("'", "'\\''")}'`;

const env = useLab({ controlPlanes: 3, workers: 1 });
let dir = '';
let seed: SeedSet;
beforeAll(async () => {
  dir = tempDir('disk-loss');
  seed = await seedKeys(env.lab, 200);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Nothing of what was taken is on the node; every bit of it is in the off-node copy. */
async function expectTaken(d: FileDamage, expected: Record<string, string[]>, regrown: string[] = []): Promise<void> {
  const { lab } = env;
  expect(d.taken).toEqual(expected);
  for (const [node, paths] of Object.entries(d.taken)) {
    for (const p of paths) {
      // A member whose manifest survived starts again and its kubelet recreates the data dir.
      if (!regrown.includes(`${node}:${p}`)) expect(existsSync(lab.hostPath(node, p)), `${node}:${p} gone`).toBe(false);
      expect(existsSync(takenCopy(d, node, p)), `${node}:${p} kept off the node`).toBe(true);
    }
    // Nowhere else on the node either (no kubedr-lab-damaged dir, no stash).
    expect((await lab.exec(node, `find /etc/kubernetes /var/lib /root /tmp -path '/tmp/kubedr-lab-*' -prune -o -path ${REPO} -prune -o -name etcd.yaml -print 2>/dev/null`)).stdout.trim().split('\n').filter((l) => l !== '' && !l.startsWith('/etc/kubernetes/manifests/'))).toEqual([]);
  }
}

/** Check the damage, then heal the lab whatever the checks said (the next mode needs it whole). */
async function checkThenHeal(d: FileDamage, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } finally {
    await putBack(env.lab, d);
    await waitClusterUp(env.lab, 60_000);
  }
  expect(await verifyCluster(env.lab, { seeded: [seed] })).toEqual([]);
}

describe.sequential('damage that takes files', () => {
  it('quorum loss: cp2 and cp3 lost /var/lib/etcd and etcd.yaml', async () => {
    const d = await loseQuorumWithManifests(env.lab, join(dir, 'quorum'));
    await checkThenHeal(d, async () => {
      await expectTaken(d, { cp2: ['/etc/kubernetes/manifests/etcd.yaml', '/var/lib/etcd'], cp3: ['/etc/kubernetes/manifests/etcd.yaml', '/var/lib/etcd'] });
      const f = await verifyCluster(env.lab, { apiservers: false });
      expect(f).toContainEqual(expect.stringMatching(/^etcd cp2: not healthy/));
    });
  });

  it('every member wiped, every manifest gone except the survivor cp1 kept its own', async () => {
    const d = await wipeAllWithManifests(env.lab, join(dir, 'all'), ['cp1']);
    await checkThenHeal(d, async () => {
      const all = ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml'].map((f) => `/etc/kubernetes/manifests/${f}`).sort();
      await expectTaken(d, { cp1: ['/var/lib/etcd'], cp2: [...all, '/var/lib/etcd'], cp3: [...all, '/var/lib/etcd'] }, ['cp1:/var/lib/etcd']);
      expect(existsSync(env.lab.hostPath('cp1', '/etc/kubernetes/manifests/etcd.yaml'))).toBe(true);
      expect((await verifyCluster(env.lab)).length).toBeGreaterThan(0);
    });
  });

  it('one control plane re-imaged: cp3 lost its data and every manifest', async () => {
    const d = await wipeNode(env.lab, 'cp3', join(dir, 'node'));
    await checkThenHeal(d, async () => {
      expect(d.taken['cp3']).toContain('/etc/kubernetes/manifests/kube-apiserver.yaml');
      await expectTaken(d, { cp3: d.taken['cp3'] ?? [] });
      expect(await verifyCluster(env.lab)).toContain('kube-apiserver on cp3: /readyz is not 200');
    });
  });

  it('a member whose pki/etcd is gone (with its data and etcd.yaml)', async () => {
    const d = await loseEtcdPki(env.lab, 'cp2', join(dir, 'pki'), { manifest: true });
    await checkThenHeal(d, async () => {
      await expectTaken(d, { cp2: ['/etc/kubernetes/manifests/etcd.yaml', '/etc/kubernetes/pki/etcd', '/var/lib/etcd'] });
      expect(existsSync(takenCopy(d, 'cp2', '/etc/kubernetes/pki/etcd/peer.key'))).toBe(true);
    });
  });
});
