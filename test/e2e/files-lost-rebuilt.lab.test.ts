// Issue 11 proof, manifests rebuilt from a surviving member: the same four damage modes as
// files-lost-backup, restored from the bare snapshot (nothing per node in it, so every missing
// etcd.yaml must be rebuilt from a survivor's with the member's own identity; the pki mode takes
// its certificates from a backup that lacks that node's manifests). Then, on this rebuilt path:
// a failure injected at the restore rolls back to byte-identical node files, and kubedr
// SIGKILLed at three points resumes (a plain `kubedr resume`, no --rerun) to a healthy cluster.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/model/index.js';
import { loseQuorumWithManifests, seedKeys, verifyRestored, writeJunk, type SeedSet } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { builtin, outcome, rehearseClean, runProcedure, startProcedure, type Procedure } from './dr.js';
import { backupWithoutManifests, damage, expectOwnFilesBack, healOnFailure, MODES, takeBackup, type Backup } from './files-lost.js';
import { cliHere, runIdOf, tempDir, treeDigest } from './support.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
const NODES = ['cp1', 'cp2', 'cp3', 'w1', 'w2'];
/** What a restore may change on a node and a rollback must put back (etcd data: by inode below). */
const WATCHED = ['/etc/kubernetes', '/var/lib/kubelet', '/usr/local/sbin'];
let dir = '';
beforeAll(() => {
  dir = tempDir('files-lost-rebuilt');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});
const stateDir = (): string => join(dir, 'state');

/** Restore from the bare snapshot: no manifest of any node comes from the backup. */
const bare = (b: Backup): Procedure => ({
  runbook: builtin('ha-restore'), inventory: env.lab.inventoryPath, stateDir: stateDir(),
  params: { snapshot: join(b.dir, 'snapshot.db'), snapshotSha256: b.sha256, restartKubelet: 'false' },
});

describe.sequential('ha-restore rebuilding lost manifests from a survivor', () => {
  it.each(MODES)('%s: rehearsal blocks nothing; the run restores the cluster and rebuilds each lost manifest exactly', async (mode) => {
    const { lab } = env;
    const seed = await seedKeys(lab, 500, `/registry/configmaps/kubedr-seed-${mode}/`);
    const backup = await takeBackup(lab, join(dir, 'backups'), stateDir());
    const junk = await seedKeys(lab, 20, `/registry/configmaps/kubedr-junk-${mode}/`);
    const since = new Date();
    const d = await damage(lab, mode, join(dir, `taken-${mode}`), true);
    await healOnFailure(lab, d, async () => {
      // The pki mode needs the node's own certificates, which only a backup has.
      const p = mode === 'pki'
        ? { ...bare(backup), params: { backup: backupWithoutManifests(backup, 'cp2', join(dir, 'backup-no-cp2-manifests')).dir, restartKubelet: 'false' } }
        : bare(backup);
      await rehearseClean(p);
      const r = await runProcedure(p);
      expect(outcome(r).failed).toEqual([]);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(await verifyRestored(lab, { seed, junk, since })).toEqual([]);
      expectOwnFilesBack(lab, d);
    });
  });
});

describe.sequential('crash and failure on the rebuilt-manifest path', () => {
  let seed: SeedSet;
  let backup: Backup;

  beforeAll(async () => {
    seed = await seedKeys(env.lab, 500, '/registry/configmaps/kubedr-seed-crash/');
    backup = await takeBackup(env.lab, join(dir, 'backups'), stateDir());
  });

  it('a restore failing on cp2 rolls every node back to byte-identical files (no rebuilt manifest left)', async () => {
    const { lab } = env;
    await writeJunk(lab, 20);
    await loseQuorumWithManifests(lab, join(dir, 'taken-rollback'));
    const fake = lab.hostPath('cp2', '/usr/local/sbin/etcdctl');
    writeFileSync(fake, '#!/bin/sh\nif [ "$1" = snapshot ] && [ "$2" = restore ]; then echo "injected restore failure" >&2; exit 1; fi\nexec /usr/bin/etcdctl "$@"\n', { mode: 0o755 });
    try {
      const before = await Promise.all(NODES.map((n) => treeDigest(lab, n, WATCHED)));
      const inodes = await Promise.all(NODES.slice(0, 3).map((n) => lab.exec(n, 'ls -id /var/lib/etcd; ls -A /var/lib')));
      const r = await runProcedure(bare(backup), ['--rollback', 'auto']);
      expect(r.events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'rolled-back' });
      expect(r.stdout + r.stderr).toContain('injected restore failure');
      expect(await Promise.all(NODES.map((n) => treeDigest(lab, n, WATCHED)))).toEqual(before);
      expect((await Promise.all(NODES.slice(0, 3).map((n) => lab.exec(n, 'ls -id /var/lib/etcd; ls -A /var/lib')))).map((x) => x.stdout)).toEqual(inodes.map((x) => x.stdout));
    } finally {
      rmSync(fake);
    }
  });

  // Kill points on the rebuilt path: a rebuilt manifest placed on one member but not the others;
  // data dirs half restored; a worker mid-rejoin (the join command is a secret, captured again).
  const KILL_POINTS: [string, (e: RunEvent) => boolean][] = [
    ['after the first rebuilt manifest is placed', (e) => e.kind === 'task-end' && /place|rebuil/.test(e.stepId) && e.outcome === 'done'],
    ['after the first member is restored', (e) => e.kind === 'task-end' && /restore/.test(e.stepId) && e.outcome === 'done'],
    ['as the first worker starts its rejoin', (e) => e.kind === 'task-start' && /rejoin|join-worker|reset/.test(e.stepId)],
  ];
  it.each(KILL_POINTS)('kubedr SIGKILLed %s: a plain kubedr resume brings a healthy cluster', async (_where, at) => {
    const { lab } = env;
    const junk = await seedKeys(lab, 20, `/registry/configmaps/kubedr-junk-kill-${Date.now()}/`);
    const since = new Date();
    // The first kill test meets the damage the rollback test left; the next ones damage again.
    if ((await lab.exec('cp2', 'test -e /etc/kubernetes/manifests/etcd.yaml')).code === 0) await loseQuorumWithManifests(lab, join(dir, `taken-kill-${Date.now()}`));
    const c = startProcedure(bare(backup), ['--rollback', 'never']);
    await Promise.race([c.waitEvent(at), c.done]);
    c.child.kill('SIGKILL');
    const killed = await c.done;
    expect(killed.code, `kubedr should have been killed, not finished: ${killed.stderr.slice(-2000)}`).toBe(137);
    const resumed = await cliHere(['resume', runIdOf(c.events), '--state-dir', stateDir(), '--yes', '--output', 'json']);
    expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
    expect(resumed.events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'done' });
    expect(await verifyRestored(lab, { seed, junk, since })).toEqual([]);
    expect(resumed.stdout + resumed.stderr).not.toMatch(/--token [a-z0-9]{6}\.[a-z0-9]{16}/);
  });
});
