// `kubedr rehearse` against the lab (3 control planes + 1 worker) through the CLI: a healthy
// cluster says "would run" everywhere (exit 0); broken preconditions are blocked with their
// reason (exit 1); cells without a check are unknown; an unreachable node blocks. Every node's
// files are hashed before and after each rehearsal: nothing changes, no lock dir is left.
import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RehearsalTable } from '../../src/app/rehearsal/table.js';
import { acquireRunLock, releaseRunLock } from '../../src/journal/index.js';
import { stopPod, takeSnapshot, type Snapshot } from '../lab/index.js';
import { REPO_ROOT } from '../lab/inventory.js';
import { runOk } from '../lab/proc.js';
import { useLab } from '../lab/vitest.js';
import { cliHere, tempDir, writeInventory } from '../e2e/support.js';
import { digestAll } from './rehearse-trees.js';

const env = useLab({ controlPlanes: 3, workers: 1 });
const NODES = ['cp1', 'cp2', 'cp3', 'w1'];
const TREES = ['/etc/kubernetes', '/var/lib', '/root'];
const CLIENT_CERT = '/root/kubedr-rehearse-client.crt';
const fixture = (name: string): string => join(REPO_ROOT, 'test', 'app', 'rehearse-fixtures', `${name}.yaml`);

let dir = '';
let inventory = '';
let snap: Snapshot;

interface Rehearsal extends RehearsalTable { runId: string; ok: boolean }

beforeAll(async () => {
  const lab = env.lab;
  dir = tempDir('rehearse');
  inventory = writeInventory(lab, dir, 'inventory');
  snap = await takeSnapshot(lab, 'cp1', join(dir, 'snapshot.db'));
  for (const n of ['cp1', 'cp2', 'cp3']) copyFileSync(lab.etcdTls.cert, lab.hostPath(n, CLIENT_CERT));
});

const digests = (): Promise<string[]> => digestAll(env.lab, NODES, TREES);

async function rehearse(args: string[]): Promise<{ code: number; stderr: string; table: Rehearsal }> {
  const r = await cliHere(['rehearse', ...args, '--state-dir', join(dir, 'state'), '--output', 'json']);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"rehearsal":'));
  if (!line) throw new Error(`no rehearsal table (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, stderr: r.stderr, table: (JSON.parse(line) as { rehearsal: Rehearsal }).rehearsal };
}

const cell = (t: RehearsalTable, stepId: string, node: string) => t.rows.find((r) => r.stepId === stepId)?.cells.find((c) => c.node === node);
const params = (sha: string): string[] => ['--param', `snapshot=${snap.path}`, '--param', `snapshotSha256=${sha}`, '--param', `clientCert=${CLIENT_CERT}`];

describe('kubedr rehearse on the lab', () => {
  it('healthy cluster, every step checked: all would run, exit 0, nothing changed, audited as a rehearsal', async () => {
    const before = await digests();
    const r = await rehearse(['-r', fixture('checked'), '-i', inventory, ...params(snap.sha256)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.table.ok).toBe(true);
    const states = r.table.rows.flatMap((row) => row.cells.map((c) => `${row.stepId}@${c.node}=${c.state}`));
    expect(states.filter((s) => !s.endsWith('=would-run'))).toEqual([]);
    // Built-in probes and the runbook's checks, on the nodes each one targets.
    expect(r.table.rows.map((row) => row.stepId)).toEqual([
      'kubedr-run-lock', 'kubedr-reachable', 'kubedr-sudo', 'kubedr-node-lock', 'kubedr-tools', 'kubedr-paths', 'kubedr-disk', 'kubedr-certs', 'kubedr-etcd-manifest', 'kubedr-upload-sources',
      'approve', 'stop-manifests', 'upload-snapshot', 'client-cert', 'members',
    ]);
    // Only the nodes the runbook acts on are probed (no worker here).
    expect(r.table.nodes).toEqual(['cp1', 'cp2', 'cp3', '@local']);
    expect(cell(r.table, 'members', 'cp1')?.state).toBe('would-run');
    expect(await digests()).toEqual(before);
    for (const n of NODES) expect(existsSync(env.lab.hostPath(n, '/var/lib/kubedr')), n).toBe(false);
    expect(existsSync('/var/tmp/kubedr-rehearse-snapshot.db')).toBe(false);

    const runDir = join(dir, 'state', 'runs', r.table.runId);
    const records = readFileSync(join(runDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; mode?: string; stepId?: string; node?: string });
    expect(records[0]).toMatchObject({ type: 'run-start', mode: 'rehearse' });
    expect(records.some((x) => x.stepId === 'client-cert' && x.node === 'cp2')).toBe(true);
    // Not resumable: no journal, no saved plan; the audit log is complete and verifies.
    expect(existsSync(join(runDir, 'journal.jsonl'))).toBe(false);
    expect(existsSync(join(runDir, 'plan.json'))).toBe(false);
    const audit = await cliHere(['audit', r.table.runId, '--state-dir', join(dir, 'state'), '--verify']);
    expect(audit.code, audit.stderr).toBe(0);
  });

  it('broken preconditions are blocked with the reason, exit 1, and nothing changes', async () => {
    const lab = env.lab;
    // cp2: a client certificate that expires tomorrow; cp3: kube-apiserver.yaml moved out.
    const shortKey = join(dir, 'short.key');
    const shortCrt = join(dir, 'short.crt');
    await runOk('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', shortKey, '-out', shortCrt, '-days', '1', '-subj', '/CN=kubedr-short']);
    copyFileSync(shortCrt, lab.hostPath('cp2', CLIENT_CERT));
    const moved = await stopPod(lab, 'cp3', 'kube-apiserver');
    let before: string[] = [];
    try {
      before = await digests();
      const wrongSha = 'f'.repeat(64);
      const r = await rehearse(['-r', fixture('checked'), '-i', inventory, ...params(wrongSha), '--cert-min-validity', '400d']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.table.ok).toBe(false);
      expect(cell(r.table, 'client-cert', 'cp2')).toMatchObject({ state: 'blocked', reason: 'client certificate expires within 7 days' });
      expect(cell(r.table, 'client-cert', 'cp1')?.state).toBe('would-run');
      expect(cell(r.table, 'stop-manifests', 'cp3')?.state).toBe('blocked');
      expect(cell(r.table, 'stop-manifests', 'cp1')?.state).toBe('would-run');
      expect(cell(r.table, 'kubedr-upload-sources', '@local')).toMatchObject({ state: 'blocked' });
      expect(cell(r.table, 'kubedr-upload-sources', '@local')?.reason).toContain(`the runbook expects ${wrongSha}`);
      // Lab certificates are valid for 365 days: a 400-day minimum blocks the built-in probe.
      expect(cell(r.table, 'kubedr-certs', 'cp1')?.reason).toMatch(/expires .* \(within 34560000 s\)/);
      expect(await digests()).toEqual(before);
    } finally {
      renameSync(lab.hostPath('cp3', moved), lab.hostPath('cp3', '/etc/kubernetes/manifests/kube-apiserver.yaml'));
      copyFileSync(lab.etcdTls.cert, lab.hostPath('cp2', CLIENT_CERT));
    }
    // The digest does see changes: putting the two files back changed cp2's and cp3's trees.
    const after = await digests();
    expect([0, 1, 2, 3].map((i) => after[i] === before[i])).toEqual([true, false, false, true]);
  });

  it('steps without a usable check are unknown, a false `when` is skipped, and unchecked actions never run', async () => {
    const before = await digests();
    const r = await rehearse(['-r', fixture('mixed'), '-i', inventory]);
    expect(r.code, r.stderr).toBe(0);
    expect(cell(r.table, 'token', 'cp1')?.state).toBe('would-run');
    expect(cell(r.table, 'unchecked', 'cp2')).toMatchObject({ state: 'unknown', reason: 'no check in the runbook' });
    expect(cell(r.table, 'uses-token', 'w1')).toMatchObject({ state: 'unknown', reason: 'check needs the output of step token, known only during a run' });
    expect(cell(r.table, 'rejoin', '*')?.state).toBe('skipped');
    for (const n of NODES) expect(existsSync(env.lab.hostPath(n, '/var/lib/kubedr-should-never-exist')), n).toBe(false);
    expect(await digests()).toEqual(before);
  });

  it('an unreachable node blocks its reachability row (its other rows are unknown); a held run lock blocks', async () => {
    const bad = writeInventory(env.lab, dir, 'unreachable', { nodeExtra: (n) => (n === 'w1' ? 'ssh: { port: 1 }' : '') });
    // A live run of this cluster holds the run lock on this machine: `kubedr run` would be refused now.
    const lock = await acquireRunLock({
      locksDir: join(dir, 'state', 'locks'),
      host: hostname(),
      holder: { user: 'someone', host: hostname(), pid: process.pid, runId: 'other-run', since: new Date().toISOString(), cluster: `lab-${env.lab.id}`, inventorySource: bad, inventoryHash: 'x' },
    });
    const r = await rehearse(['-r', fixture('mixed'), '-i', bad]).finally(() => releaseRunLock(lock));
    expect(cell(r.table, 'kubedr-run-lock', '@local')).toMatchObject({ state: 'blocked' });
    expect(cell(r.table, 'kubedr-run-lock', '@local')?.reason).toContain('run other-run');
    expect(r.code, r.stderr).toBe(1);
    expect(cell(r.table, 'kubedr-reachable', 'w1')?.state).toBe('blocked');
    expect(cell(r.table, 'kubedr-reachable', 'w1')?.reason).toMatch(/^unreachable/);
    expect(cell(r.table, 'kubedr-sudo', 'w1')).toMatchObject({ state: 'unknown', reason: 'node unreachable' });
    expect(cell(r.table, 'kubedr-reachable', 'cp1')?.state).toBe('would-run');
  });
});
