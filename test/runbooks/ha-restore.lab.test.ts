// End to end on the lab (real sshd, real etcd 3.4 with TLS), the acceptance of issue 5:
// plan touches nothing; seed → etcd-backup → junk → quorum loss; a restore failing on one node
// rolls every node back; the real restore gives the cluster an operator expects; a crash in the
// middle of a restore resumes to a healthy cluster. The tests share one lab and run in order.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { breakQuorum, DAMAGED_DIR, seedKeys, verifyCluster, writeJunk, type SeedSet } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import type { RunEvent } from '../../src/model/index.js';
import { drive, runbookPath, type DriveOptions } from './drive.js';
import { cliHere } from '../e2e/support.js';
import { CLI, dirInodes, hashTrees } from './node-trees.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
const work = mkdtempSync(join(tmpdir(), 'kubedr-ha-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const CPS = ['cp1', 'cp2', 'cp3'];
const NODES = [...CPS, 'w1', 'w2'];
/** Master leases of apiservers that no longer exist (not lab addresses): the restore removes them. */
const STALE_LEASES = ['/registry/masterleases/10.99.0.1', '/registry/masterleases/10.99.0.2'];
/** What a restore may change on a node, and what the rollback must put back. */
const WATCHED = ['/etc/kubernetes', '/var/lib/kubelet', '/usr/local/sbin'];

let seed: SeedSet;
let junk: SeedSet;
let snapshot: { path: string; sha256: string };
const originals = new Map<string, string>();
const apiservers = new Map<string, string>();

// restartKubelet=false: lab nodes share the host's /run, so systemctl would reach the HOST's systemd.
// kubedr runs in this process (cliHere: a tsx start costs seconds on a loaded machine), except
// where a SIGKILL must hit kubedr itself (runCliUntil).
// The CLI runs take the backup dir (--param backup=DIR); the in-process runs a bare snapshot + sha256.
function cliArgs(): string[] {
  return ['-r', runbookPath('ha-restore'), '-i', env.lab.inventoryPath, '--state-dir', join(work, 'state'),
    '--param', `backup=${dirname(snapshot.path)}`, '--param', `manifestSearchPath=${DAMAGED_DIR}`, '--param', 'restartKubelet=false'];
}

function restoreOptions(extra: Partial<DriveOptions> = {}): DriveOptions {
  return {
    runbook: runbookPath('ha-restore'),
    inventory: env.lab.inventoryPath,
    params: { snapshot: snapshot.path, snapshotSha256: snapshot.sha256, manifestSearchPath: DAMAGED_DIR, restartKubelet: 'false' },
    stateDir: join(work, 'state'),
    ...extra,
  };
}

function failures(out: Awaited<ReturnType<typeof drive>>): string[] {
  return [...out.result.tasks.values()].filter((t) => t.outcome !== 'done').map((t) => `${t.key}: ${t.error ?? ''} ${t.stderr}`);
}

describe.sequential('ha-restore on the lab', () => {
  it('kubedr plan lists every command per node and changes nothing on the nodes', async () => {
    const { lab } = env;
    for (const n of CPS) {
      originals.set(n, readFileSync(lab.hostPath(n, '/etc/kubernetes/manifests/etcd.yaml'), 'utf8'));
      apiservers.set(n, readFileSync(lab.hostPath(n, '/etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8'));
    }
    const before = await hashTrees(lab, NODES, [...WATCHED, '/var/lib']);
    writeFileSync(join(work, 'fake.db'), 'not a snapshot');
    const r = await cliHere(['plan', '-r', runbookPath('ha-restore'), '-i', lab.inventoryPath, '--param', `snapshot=${join(work, 'fake.db')}`, '--param', 'snapshotSha256=00']);
    expect(r.code, r.stderr).toBe(0);
    for (const n of CPS) {
      const addr = lab.node(n).address;
      expect(r.stdout).toContain(`--name etcd-${n} `);
      expect(r.stdout).toContain(`--initial-advertise-peer-urls https://${addr}:2380`);
    }
    expect(r.stdout).toContain(`--initial-cluster ${CPS.map((n) => `etcd-${n}=https://${lab.node(n).address}:2380`).join(',')}`);
    expect(r.stdout).toContain('<secret:steps.join-command.stdout>');
    expect(await hashTrees(lab, NODES, [...WATCHED, '/var/lib'])).toEqual(before);
  });

  it('etcd-backup downloads a verified snapshot, every node\'s files and cluster.json', async () => {
    const { lab } = env;
    seed = await seedKeys(lab, 2000);
    // Endpoint state the backup holds from apiservers that are gone by restore time.
    await lab.etcd.putMany(lab.clientURL('cp1'), [...STALE_LEASES, `/registry/masterleases/${lab.node('cp1').address}`].map((key) => ({ key, value: 'k8s\u0000lease' })));
    const out = await drive({ runbook: runbookPath('etcd-backup'), inventory: lab.inventoryPath, params: { backupDir: join(work, 'backups') }, stateDir: join(work, 'state') });
    expect(failures(out)).toEqual([]);
    const dir = join(work, 'backups', `lab-${out.runId}`);
    const sha = readFileSync(join(dir, 'snapshot.db.sha256'), 'utf8').split(' ')[0] ?? '';
    const meta = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { cluster: string; members: { name: string }[]; revision: number; totalKeys: number; sha256: string; etcdVersion: string };
    expect(meta).toMatchObject({ cluster: 'lab', sha256: sha });
    expect(meta.members.map((m) => m.name).sort()).toEqual(CPS.map((n) => `etcd-${n}`));
    expect(meta.totalKeys).toBeGreaterThanOrEqual(2000);
    expect(meta.etcdVersion).toMatch(/^3\.4\./);
    // Every control-plane node's own files, the shared CA once (the layout is checked in etcd-backup.lab.test.ts).
    for (const n of CPS) expect(readFileSync(join(dir, 'nodes', n, 'manifests', 'etcd.yaml'), 'utf8')).toBe(originals.get(n));
    expect(readFileSync(join(dir, 'shared', 'pki', 'etcd', 'ca.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    snapshot = { path: join(dir, 'snapshot.db'), sha256: sha };
    junk = await writeJunk(lab, 50);
    await breakQuorum(lab);
    expect(await verifyCluster(lab, { seeded: [seed] })).not.toEqual([]);
  });

  it('a snapshot the restore tool refuses on one node stops the run before anything is stopped', async () => {
    const { lab } = env;
    const fake = lab.hostPath('cp2', '/usr/local/sbin/etcdctl');
    writeFileSync(fake, '#!/bin/sh\nif [ "$1" = snapshot ] && [ "$2" = restore ]; then echo "injected restore failure" >&2; exit 1; fi\nexec /usr/bin/etcdctl "$@"\n', { mode: 0o755 });
    try {
      const before = await hashTrees(lab, NODES, WATCHED);
      const inodes = await dirInodes(lab, CPS, '/var/lib/etcd');
      const out = await drive(restoreOptions());
      expect(out.result.outcome).toBe('rolled-back');
      // The restore runs before the approval, into the staging dir: nothing was stopped or swapped.
      expect(out.result.failedStep).toBe('restore-snapshot');
      expect(out.result.tasks.get('restore-snapshot@cp2')?.stderr).toContain('injected restore failure');
      expect(out.events.filter((e) => e.kind === 'task-start' && (e.stepId === 'stash-manifests' || e.stepId === 'restore-member'))).toEqual([]);
      const undone = out.events.filter((e) => e.kind === 'undo-end').map((e) => `${e.stepId}@${e.node}:${e.outcome}`);
      expect(undone).toContain('restore-snapshot@cp1:done');
      expect(undone.every((u) => u.endsWith(':done'))).toBe(true);
      expect(await hashTrees(lab, NODES, WATCHED)).toEqual(before);
      expect(await dirInodes(lab, CPS, '/var/lib/etcd')).toEqual(inodes);
      for (const n of CPS) expect((await lab.exec(n, 'ls -d /var/lib/etcd.kubedr-before-* 2>/dev/null')).stdout).toBe('');
    } finally {
      rmSync(fake);
    }
  });

  it('kubedr run restores the cluster: members, 2,000 keys, no junk, apiservers, workers, old dirs kept, manifests', async () => {
    const { lab } = env;
    const start = new Date();
    const run = await cliHere(['run', ...cliArgs(), '--yes', '--rollback', 'auto', '-o', 'json']);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    const runEnd = events.find((e) => e.kind === 'run-end');
    expect(run.code, run.stderr).toBe(0);
    expect(runEnd?.kind === 'run-end' && runEnd.outcome).toBe('done');
    const runId = runEnd?.kind === 'run-end' ? runEnd.runId : '';
    console.log(`ha-restore wall time (kubedr run, in the run): ${runEnd?.kind === 'run-end' ? runEnd.durationMs : 0} ms; process: ${Date.now() - start.getTime()} ms`);
    expect(await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: start })).toEqual([]);
    // No stale master lease left: every one names a current control-plane address.
    const masterLeases = (await lab.etcd.rangePrefix(lab.clientURL('cp1'), '/registry/masterleases/')).map((kv) => kv.key.slice('/registry/masterleases/'.length));
    expect(masterLeases).toContain(lab.node('cp1').address);
    expect(masterLeases.filter((a) => !CPS.some((n) => lab.node(n).address === a))).toEqual([]);
    expect(run.stdout).toContain('stale lease(s) moved aside');
    // The lab's etcd.yaml has no probes: nothing was relaxed, so putting them back changed no
    // manifest and the two waits for a restart that never comes were skipped, saying why.
    for (const id of ['probes-current', 'wait-quorum-probes']) {
      expect(events.find((e) => e.kind === 'step-end' && e.stepId === id)).toMatchObject({ outcome: 'skipped', reason: `restore-etcd-probes changed nothing on ${CPS.join(', ')}` });
    }
    for (const n of CPS) {
      // cp2 and cp3 lost their member dir in the disaster; cp1's old data is kept whole.
      const old = await lab.exec(n, `ls -d /var/lib/etcd.kubedr-before-${runId}${n === 'cp1' ? '/member/wal' : ''}`);
      expect(old.code, `${n}: old data dir kept`).toBe(0);
      const now = readFileSync(lab.hostPath(n, '/etc/kubernetes/manifests/etcd.yaml'), 'utf8');
      const { changed, command } = manifestDiff(originals.get(n) ?? '', now);
      expect(changed.every((f) => f.startsWith('--initial-cluster=') || f.startsWith('--initial-cluster-state=')), changed.join(' ')).toBe(true);
      expect(command).toContain(`--initial-cluster=${CPS.map((m) => `etcd-${m}=https://${lab.node(m).address}:2380`).join(',')}`);
      expect(command).toContain('--initial-cluster-state=existing');
      expect(readFileSync(lab.hostPath(n, '/etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8')).toBe(apiservers.get(n));
    }
    // The join command was a secret: never in the output, the audit log or the journal.
    expect(events.some((e) => e.kind === 'task-end' && e.stepId === 'join-command' && e.outcome === 'done')).toBe(true);
    const runDir = join(work, 'state', 'runs', runId);
    const token = /--token [a-z0-9]{6}\.[a-z0-9]{16}/;
    expect(readFileSync(join(runDir, 'audit.jsonl'), 'utf8') + readFileSync(join(runDir, 'journal.jsonl'), 'utf8') + run.stdout + run.stderr).not.toMatch(token);
    const audit = await cliHere(['audit', runId, '--state-dir', join(work, 'state')]);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/restore-member\s+✔ \S+\s+✔ \S+\s+✔ \S+/);
    expect(audit.stdout).toMatch(/rejoin\s+✔ \S+\s+✔ \S+/);
    expect(audit.stdout).toContain('audit log verified');
  });

  // Kill points: manifests half stashed; data dirs half swapped; a worker mid-rejoin (the secret
  // join command must be captured again, since secrets are never journaled).
  const KILL_POINTS: [string, (e: RunEvent) => boolean][] = [
    ['after the first stash-manifests task', (e) => e.kind === 'task-end' && e.stepId === 'stash-manifests'],
    ['after the first restore-member task (its data dir swapped)', (e) => e.kind === 'task-end' && e.stepId === 'restore-member'],
    ['as the first worker starts its rejoin', (e) => e.kind === 'task-start' && e.stepId === 'rejoin'],
  ];
  for (const [where, at] of KILL_POINTS) {
    it(`kubedr run SIGKILLed ${where}: kubedr resume brings a healthy cluster`, async () => {
      const { lab } = env;
      await breakQuorum(lab);
      const start = new Date();
      const crashed = await runCliUntil(['run', ...cliArgs(), '--yes', '--rollback', 'never', '-o', 'json'], at);
      expect(crashed.killed).toBe(true);
      const resumed = await cliHere(['resume', crashed.runId, '--yes', '--state-dir', join(work, 'state'), '-o', 'json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const events = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
      expect(events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'done' });
      expect(events.find((e) => e.kind === 'run-start')).toMatchObject({ mode: 'resume' });
      expect(await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: start })).toEqual([]);
      expect(resumed.stdout + resumed.stderr).not.toMatch(/--token [a-z0-9]{6}\.[a-z0-9]{16}/);
    });
  }
});

/** The etcd container's command after, and its entries that were not there before. */
function manifestDiff(before: string, after: string): { changed: string[]; command: string[] } {
  const cmd = (t: string): string[] => (parse(t) as { spec: { containers: { command: string[] }[] } }).spec.containers[0]?.command ?? [];
  const b = cmd(before);
  const a = cmd(after);
  expect(a.length).toBe(b.length);
  return { changed: a.filter((f) => !b.includes(f)), command: a };
}

/** Runs `kubedr <args>` and SIGKILLs it at the first event matching `at` (a real crash). */
function runCliUntil(args: string[], at: (e: RunEvent) => boolean): Promise<{ killed: boolean; runId: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let killed = false;
    let runId = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as RunEvent;
      if (e.kind === 'run-start') runId = e.runId;
      if (!killed && at(e)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('exit', () => resolve({ killed, runId }));
  });
}
