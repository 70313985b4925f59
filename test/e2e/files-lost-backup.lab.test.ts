// Issue 11 proof, restore from the backup's own copies: for each damage mode that takes files
// (quorum loss with the etcd.yaml gone off the nodes; every member wiped with every manifest
// gone; one control plane re-imaged; a member whose pki/etcd is gone) — after one seed and one
// etcd-backup for all modes: junk, damage, rehearse (0 blocked), `kubedr run ha-restore --param
// backup=DIR`, then verify:
// every member healthy, the exact member list by name (etcd-<node>) and peer URL, every seeded
// key with its value, no junk, apiservers ready, workers rejoined, and each damaged node's
// manifests and certificates equal to what it had.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedKeys, verifyRestored, type SeedSet } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { builtin, outcome, rehearseClean, runProcedure, type Procedure } from './dr.js';
import { damage, expectOwnFilesBack, healOnFailure, MODES, takeBackup, type Backup } from './files-lost.js';
import { tempDir } from './support.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
let dir = '';
const stateDir = (): string => join(dir, 'state');
// One seed and one backup for every mode: each mode's restore goes back to it (its junk, written
// after it, must be gone), so a backup per mode would only repeat the same etcd-backup run.
let seed: SeedSet;
let backup: Backup;
beforeAll(async () => {
  dir = tempDir('files-lost-backup');
  seed = await seedKeys(env.lab, 500, '/registry/configmaps/kubedr-seed/');
  backup = await takeBackup(env.lab, join(dir, 'backups'), stateDir());
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe.sequential('ha-restore --param backup=DIR after damage that took files', () => {
  it.each(MODES)('%s: rehearsal blocks nothing; the run restores the cluster and each node its own files', async (mode) => {
    const { lab } = env;
    const junk = await seedKeys(lab, 20, `/registry/configmaps/kubedr-junk-${mode}/`);
    const since = new Date();
    const d = await damage(lab, mode, join(dir, `taken-${mode}`), false);
    await healOnFailure(lab, d, async () => {
      expect(await verifyRestored(lab, { seed })).not.toEqual([]);
      // restartKubelet=false: lab nodes share the host's /run; systemctl would reach the HOST's systemd.
      const p: Procedure = { runbook: builtin('ha-restore'), inventory: lab.inventoryPath, stateDir: stateDir(), params: { backup: backup.dir, restartKubelet: 'false' } };
      await rehearseClean(p);
      const r = await runProcedure(p);
      expect(outcome(r).failed).toEqual([]);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(await verifyRestored(lab, { seed, junk, since })).toEqual([]);
      expectOwnFilesBack(lab, d);
    });
  });
});
