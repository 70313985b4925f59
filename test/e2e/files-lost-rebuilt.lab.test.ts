// Issue 11 proof, manifests rebuilt from a surviving member: the same four damage modes as
// files-lost-backup, restored from the bare snapshot (nothing per node in it, so every missing
// etcd.yaml must be rebuilt from a survivor's with the member's own identity; the pki mode takes
// its certificates from a backup that lacks that node's manifests). Failure, rollback and crash
// on this path: files-lost-rebuilt-crash.lab.test.ts.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedKeys, verifyRestored, type SeedSet } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { outcome, rehearseClean, runProcedure } from './dr.js';
import { backupWithoutManifests, bareRestore, damage, expectOwnFilesBack, healOnFailure, MODES, takeBackup, type Backup } from './files-lost.js';
import { tempDir } from './support.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
let dir = '';
const stateDir = (): string => join(dir, 'state');
// One seed and one backup for every mode: each mode's restore goes back to it (its junk, written
// after it, must be gone), so a backup per mode would only repeat the same etcd-backup run.
let seed: SeedSet;
let backup: Backup;
beforeAll(async () => {
  dir = tempDir('files-lost-rebuilt');
  seed = await seedKeys(env.lab, 500, '/registry/configmaps/kubedr-seed/');
  backup = await takeBackup(env.lab, join(dir, 'backups'), stateDir());
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe.sequential('ha-restore rebuilding lost manifests from a survivor', () => {
  it.each(MODES)('%s: rehearsal blocks nothing; the run restores the cluster and rebuilds each lost manifest exactly', async (mode) => {
    const { lab } = env;
    const junk = await seedKeys(lab, 20, `/registry/configmaps/kubedr-junk-${mode}/`);
    const since = new Date();
    const d = await damage(lab, mode, join(dir, `taken-${mode}`), true);
    await healOnFailure(lab, d, async () => {
      // The pki mode needs the node's own certificates, which only a backup has.
      const p = mode === 'pki'
        ? { ...bareRestore(lab, stateDir(), backup), params: { backup: backupWithoutManifests(backup, 'cp2', join(dir, 'backup-no-cp2-manifests')).dir, restartKubelet: 'false' } }
        : bareRestore(lab, stateDir(), backup);
      await rehearseClean(p);
      const r = await runProcedure(p);
      expect(outcome(r).failed).toEqual([]);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(await verifyRestored(lab, { seed, junk, since })).toEqual([]);
      expectOwnFilesBack(lab, d);
    });
  });
});
