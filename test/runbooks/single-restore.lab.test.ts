// single-restore on a one-control-plane lab: every member wiped, restored from a snapshot, the
// seeded keys back, the junk gone, the worker rejoined; and it refuses a multi-member inventory
// before touching anything (tested in the unit tests through the plan).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { seedKeys, takeSnapshot, verifyCluster, wipeAll, writeJunk, DAMAGED_DIR } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { drive, runbookPath } from './drive.js';

const env = useLab({ controlPlanes: 1, workers: 1 });

it('restores a one-member cluster whose data was wiped', async () => {
  const { lab } = env;
  const work = mkdtempSync(join(tmpdir(), 'kubedr-single-'));
  const seed = await seedKeys(lab, 500);
  const snap = await takeSnapshot(lab, 'cp1', join(work, 'snapshot.db'));
  const junk = await writeJunk(lab, 20);
  await wipeAll(lab);
  const start = new Date();
  const out = await drive({
    runbook: runbookPath('single-restore'),
    inventory: lab.inventoryPath,
    params: { snapshot: snap.path, snapshotSha256: snap.sha256, manifestSearchPath: DAMAGED_DIR },
    stateDir: join(work, 'state'),
  });
  expect([...out.result.tasks.values()].filter((t) => t.outcome !== 'done').map((t) => `${t.key}: ${t.stderr}`)).toEqual([]);
  expect(out.result.outcome).toBe('done');
  expect(await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: start })).toEqual([]);
  expect((await lab.exec('cp1', `grep -c -- '--initial-cluster-state=new' /etc/kubernetes/manifests/etcd.yaml`)).stdout.trim()).toBe('1');
  expect((await lab.exec('cp1', `ls -d /var/lib/etcd.kubedr-before-${out.runId}`)).code).toBe(0);
});
