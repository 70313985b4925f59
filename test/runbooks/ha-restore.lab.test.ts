// End to end on the lab (real sshd, real etcd 3.4 with TLS): seed → etcd-backup → junk written
// after the backup → quorum loss → ha-restore → the cluster an operator expects.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { breakQuorum, DAMAGED_DIR, seedKeys, takeSnapshot, verifyCluster, writeJunk } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { drive, runbookPath } from './drive.js';

const env = useLab({ controlPlanes: 3, workers: 2 });

it('restores a 3-member cluster after quorum loss', async () => {
  const { lab } = env;
  const work = mkdtempSync(join(tmpdir(), 'kubedr-ha-'));
  const seed = await seedKeys(lab, 2000);
  const snap = await takeSnapshot(lab, 'cp1', join(work, 'snapshot.db'));
  const junk = await writeJunk(lab, 50);
  await breakQuorum(lab);
  const start = new Date();
  const out = await drive({
    runbook: runbookPath('ha-restore'),
    inventory: lab.inventoryPath,
    params: { snapshot: snap.path, snapshotSha256: snap.sha256, manifestSearchPath: DAMAGED_DIR },
    stateDir: join(work, 'state'),
    sinks: [(e) => { if (e.kind === 'task-end' && e.outcome !== 'done') console.log(JSON.stringify(e)); }],
  });
  const failed = [...out.result.tasks.values()].filter((t) => t.outcome !== 'done');
  expect(failed.map((t) => `${t.key}: ${t.error ?? ''} ${t.stderr}`)).toEqual([]);
  expect(out.result.outcome).toBe('done');
  console.log(`restore wall time ${Date.now() - start.getTime()} ms`);
  expect(await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: start })).toEqual([]);
  void readFileSync;
}, 240_000);
