// single-restore on a one-control-plane lab: every member wiped, restored from a snapshot, the
// seeded keys back, the junk gone, the worker rejoined; and it refuses a multi-member inventory
// before touching anything (tested in the unit tests through the plan).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { seedKeys, takeSnapshot, verifyCluster, wipeAll, writeJunk, DAMAGED_DIR } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import type { RehearsalTable } from '../../src/app/rehearsal/table.js';
import { digestAll } from '../app/rehearse-trees.js';
import { cliHere } from '../e2e/support.js';
import { drive, runbookPath } from './drive.js';

const env = useLab({ controlPlanes: 1, workers: 1 });
const work = mkdtempSync(join(tmpdir(), 'kubedr-single-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('rehearses on the healthy one-member lab: every cell would run, exit 0, nothing changed', async () => {
  const { lab } = env;
  const snap = await takeSnapshot(lab, 'cp1', join(work, 'rehearsal-snapshot.db'));
  const before = await digestAll(lab, ['cp1', 'w1'], ['/etc/kubernetes', '/var/lib', '/root']);
  const r = await cliHere(['rehearse', '-r', runbookPath('single-restore'), '-i', lab.inventoryPath, '--state-dir', join(work, 'state'), '--output', 'json', '--param', `snapshot=${snap.path}`, '--param', `snapshotSha256=${snap.sha256}`]);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"rehearsal":'));
  const table = (JSON.parse(line ?? '{"rehearsal":{"rows":[]}}') as { rehearsal: RehearsalTable }).rehearsal;
  expect(table.rows.flatMap((row) => row.cells.filter((c) => c.state !== 'would-run').map((c) => `${row.stepId}@${c.node} ${c.state}: ${c.reason ?? ''}`)), r.stderr).toEqual([]);
  expect(table.rows.length).toBeGreaterThan(20);
  expect(r.code).toBe(0);
  expect(await digestAll(lab, ['cp1', 'w1'], ['/etc/kubernetes', '/var/lib', '/root'])).toEqual(before);
});

it('restores a one-member cluster whose data was wiped', async () => {
  const { lab } = env;
  const seed = await seedKeys(lab, 500);
  const snap = await takeSnapshot(lab, 'cp1', join(work, 'snapshot.db'));
  const junk = await writeJunk(lab, 20);
  await wipeAll(lab);
  const start = new Date();
  const out = await drive({
    runbook: runbookPath('single-restore'),
    inventory: lab.inventoryPath,
    params: { snapshot: snap.path, snapshotSha256: snap.sha256, manifestSearchPath: DAMAGED_DIR, restartKubelet: 'false' },
    stateDir: join(work, 'state'),
  });
  expect([...out.result.tasks.values()].filter((t) => t.outcome !== 'done').map((t) => `${t.key}: ${t.stderr}`)).toEqual([]);
  expect(out.result.outcome).toBe('done');
  expect(await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: start })).toEqual([]);
  expect((await lab.exec('cp1', `grep -c -- '--initial-cluster-state=new' /etc/kubernetes/manifests/etcd.yaml`)).stdout.trim()).toBe('1');
  expect((await lab.exec('cp1', `ls -d /var/lib/etcd.kubedr-before-${out.runId}`)).code).toBe(0);
});
