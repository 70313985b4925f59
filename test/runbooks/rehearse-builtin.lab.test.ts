// Every built-in runbook rehearsed through the CLI on a healthy 3 control plane + 2 worker lab:
// nothing blocked, nothing unknown, no node file changed. Then the 3 a.m. case: quorum lost
// (two members stopped and wiped, their etcd.yaml moved aside by hand): ha-restore must still
// rehearse without a blocked cell, since that is the state it exists to repair.
// external-etcd-restore needs a systemd etcd, which the lab does not have: it is blocked, and
// only for that reason. single-restore (one member) is rehearsed in single-restore.lab.test.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RehearsalTable } from '../../src/app/rehearsal/table.js';
import { breakQuorum, DAMAGED_DIR, takeSnapshot, type Snapshot } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { digestAll } from '../app/rehearse-trees.js';
import { cliHere, tempDir } from '../e2e/support.js';
import { runbookPath } from './drive.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
const NODES = ['cp1', 'cp2', 'cp3', 'w1', 'w2'];
const TREES = ['/etc/kubernetes', '/var/lib', '/root'];

let dir = '';
let snap: Snapshot;

beforeAll(async () => {
  dir = tempDir('rehearse-builtin');
  snap = await takeSnapshot(env.lab, 'cp1', join(dir, 'snapshot.db'));
});

interface Rehearsal extends RehearsalTable { ok: boolean }

async function rehearse(name: string, params: Record<string, string>): Promise<{ code: number; table: Rehearsal; stderr: string }> {
  const args = ['rehearse', '-r', runbookPath(name), '-i', env.lab.inventoryPath, '--state-dir', join(dir, 'state'), '--output', 'json'];
  for (const [k, v] of Object.entries(params)) args.push('--param', `${k}=${v}`);
  const r = await cliHere(args);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"rehearsal":'));
  if (!line) throw new Error(`${name}: no rehearsal table (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, stderr: r.stderr, table: (JSON.parse(line) as { rehearsal: Rehearsal }).rehearsal };
}

/** Every cell that is not "would run", as `step@node state: reason`. */
const notRunning = (t: RehearsalTable): string[] =>
  t.rows.flatMap((row) => row.cells.filter((c) => c.state !== 'would-run').map((c) => `${row.stepId}@${c.node} ${c.state}: ${c.reason ?? ''}`));

const restoreParams = (): Record<string, string> => ({ snapshot: snap.path, snapshotSha256: snap.sha256 });

describe('built-in runbooks rehearsed on a healthy lab', () => {
  it.each([
    ['ha-restore', restoreParams],
    ['etcd-backup', () => ({ backupDir: join(dir, 'backups') })],
    ['rejoin-workers', () => ({})],
  ] as const)('%s: every cell would run, exit 0, no node file changed', async (name, params) => {
    const before = await digestAll(env.lab, NODES, TREES);
    const r = await rehearse(name, params());
    expect(notRunning(r.table), r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    // Each runbook step got a cell per node it targets (not only the built-in probes).
    expect(r.table.rows.filter((row) => !row.stepId.startsWith('kubedr-')).length).toBeGreaterThanOrEqual(name === 'rejoin-workers' ? 5 : 7);
    expect(await digestAll(env.lab, NODES, TREES)).toEqual(before);
    for (const n of NODES) expect(existsSync(env.lab.hostPath(n, '/var/lib/kubedr')), n).toBe(false);
    expect(existsSync(join(dir, 'backups')), 'etcd-backup rehearsal created the backup dir').toBe(false);
  });

  it('external-etcd-restore is blocked only because the lab has no systemd etcd unit', async () => {
    const r = await rehearse('external-etcd-restore', restoreParams());
    expect(r.code).toBe(1);
    const blocked = r.table.rows.flatMap((row) => row.cells.filter((c) => c.state === 'blocked').map((c) => ({ step: row.stepId, node: c.node, reason: c.reason ?? '' })));
    expect([...new Set(blocked.map((b) => b.step))].sort()).toEqual(['edit-etcd-config', 'start-etcd', 'stop-etcd']);
    for (const b of blocked) expect(b.reason).toBe(`no systemd unit etcd on ${b.node}`);
    expect(r.table.counts.unknown).toBe(0);
  });

  it('ha-restore after quorum loss (the state it repairs): nothing blocked; only the moved etcd.yaml flags are unknown', async () => {
    await breakQuorum(env.lab);
    // cp1's etcd is still up, campaigning without quorum: it writes its own WAL. Everything else counts.
    const varLib = (await env.lab.exec('cp1', 'ls -d /var/lib/*')).stdout.split('\n').filter((p) => p !== '' && p !== '/var/lib/etcd');
    const trees = ['/etc/kubernetes', '/root', ...varLib];
    const before = await digestAll(env.lab, NODES, trees);
    const r = await rehearse('ha-restore', { ...restoreParams(), manifestSearchPath: DAMAGED_DIR });
    expect(r.table.counts.blocked, notRunning(r.table).join('\n')).toBe(0);
    expect(notRunning(r.table).map((c) => c.split(' ')[0])).toEqual(['kubedr-etcd-manifest@cp2', 'kubedr-etcd-manifest@cp3']);
    expect(r.code).toBe(0);
    expect(await digestAll(env.lab, NODES, trees)).toEqual(before);
  });
});
