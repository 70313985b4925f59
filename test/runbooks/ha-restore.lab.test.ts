// End to end on the lab (real sshd, real etcd 3.4 with TLS), the acceptance of issue 5:
// plan touches nothing; seed → etcd-backup → junk → quorum loss; a restore failing on one node
// rolls every node back; the real restore gives the cluster an operator expects; a crash in the
// middle of a restore resumes to a healthy cluster. The tests share one lab and run in order.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { breakQuorum, DAMAGED_DIR, seedKeys, verifyCluster, writeJunk, type SeedSet } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { drive, runbookPath, type DriveOptions } from './drive.js';
import { dirInodes, hashTrees, runCli } from './node-trees.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
const work = mkdtempSync(join(tmpdir(), 'kubedr-ha-'));
const CPS = ['cp1', 'cp2', 'cp3'];
const NODES = [...CPS, 'w1', 'w2'];
/** What a restore may change on a node, and what the rollback must put back. */
const WATCHED = ['/etc/kubernetes', '/var/lib/kubelet', '/usr/local/sbin'];

let seed: SeedSet;
let junk: SeedSet;
let snapshot: { path: string; sha256: string };
const originals = new Map<string, string>();
const apiservers = new Map<string, string>();

function restoreOptions(extra: Partial<DriveOptions> = {}): DriveOptions {
  return {
    runbook: runbookPath('ha-restore'),
    inventory: env.lab.inventoryPath,
    params: { snapshot: snapshot.path, snapshotSha256: snapshot.sha256, manifestSearchPath: DAMAGED_DIR },
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
    const r = await runCli(['plan', '-r', runbookPath('ha-restore'), '-i', lab.inventoryPath, '--param', `snapshot=${join(work, 'fake.db')}`, '--param', 'snapshotSha256=00']);
    expect(r.code, r.stderr).toBe(0);
    for (const n of CPS) {
      const addr = lab.node(n).address;
      expect(r.stdout).toContain(`--name ${n} `);
      expect(r.stdout).toContain(`--initial-advertise-peer-urls https://${addr}:2380`);
    }
    expect(r.stdout).toContain(`--initial-cluster ${CPS.map((n) => `${n}=https://${lab.node(n).address}:2380`).join(',')}`);
    expect(r.stdout).toContain('<secret:steps.join-command.stdout>');
    expect(await hashTrees(lab, NODES, [...WATCHED, '/var/lib'])).toEqual(before);
  });

  it('etcd-backup downloads a verified snapshot, PKI archive and metadata', async () => {
    const { lab } = env;
    seed = await seedKeys(lab, 2000);
    const out = await drive({ runbook: runbookPath('etcd-backup'), inventory: lab.inventoryPath, params: { backupDir: join(work, 'backups') }, stateDir: join(work, 'state') });
    expect(failures(out)).toEqual([]);
    const dir = join(work, 'backups', `lab-${out.runId}`);
    const sha = readFileSync(join(dir, 'snapshot.db.sha256'), 'utf8').split(' ')[0] ?? '';
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { cluster: string; members: string[]; revision: number; totalKeys: number; sha256: string; etcdVersion: string };
    expect(meta).toMatchObject({ cluster: 'lab', sha256: sha });
    expect([...meta.members].sort()).toEqual(CPS);
    expect(meta.totalKeys).toBeGreaterThanOrEqual(2000);
    expect(meta.etcdVersion).toMatch(/^3\.4\./);
    const tar = await runCli(['-c', `tar -tzf ${join(dir, 'pki-and-manifests.tar.gz')}`], 'sh');
    expect(tar.stdout).toContain('pki/etcd/ca.crt');
    expect(tar.stdout).toContain('manifests/etcd.yaml');
    snapshot = { path: join(dir, 'snapshot.db'), sha256: sha };
    junk = await writeJunk(lab, 50);
    await breakQuorum(lab);
    expect(await verifyCluster(lab, { seeded: [seed] })).not.toEqual([]);
  });

  it('a restore that fails on one node rolls every node back to its pre-run state', async () => {
    const { lab } = env;
    const fake = lab.hostPath('cp2', '/usr/local/sbin/etcdctl');
    writeFileSync(fake, '#!/bin/sh\nif [ "$1" = snapshot ] && [ "$2" = restore ]; then echo "injected restore failure" >&2; exit 1; fi\nexec /usr/bin/etcdctl "$@"\n', { mode: 0o755 });
    try {
      const before = await hashTrees(lab, NODES, WATCHED);
      const inodes = await dirInodes(lab, CPS, '/var/lib/etcd');
      const out = await drive(restoreOptions());
      expect(out.result.outcome).toBe('rolled-back');
      expect(out.result.failedStep).toBe('restore-member');
      expect(out.result.tasks.get('restore-member@cp2')?.stderr).toContain('injected restore failure');
      const undone = out.events.filter((e) => e.kind === 'undo-end').map((e) => `${e.stepId}@${e.node}:${e.outcome}`);
      expect(undone).toContain('stash-manifests@cp2:done');
      expect(undone.every((u) => u.endsWith(':done'))).toBe(true);
      expect(await hashTrees(lab, NODES, WATCHED)).toEqual(before);
      expect(await dirInodes(lab, CPS, '/var/lib/etcd')).toEqual(inodes);
      for (const n of CPS) expect((await lab.exec(n, 'ls -d /var/lib/etcd.kubedr-before-* 2>/dev/null')).stdout).toBe('');
    } finally {
      rmSync(fake);
    }
  });

  it('restores the cluster: members, 2,000 keys, no junk, apiservers, workers, old dirs kept, manifests', async () => {
    const { lab } = env;
    const start = new Date();
    const t0 = Date.now();
    const out = await drive(restoreOptions());
    expect(failures(out)).toEqual([]);
    expect(out.result.outcome).toBe('done');
    console.log(`ha-restore wall time: ${Date.now() - t0} ms`);
    expect(await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: start })).toEqual([]);
    for (const n of CPS) {
      // cp2 and cp3 lost their member dir in the disaster; cp1's old data is kept whole.
      const old = await lab.exec(n, `ls -d /var/lib/etcd.kubedr-before-${out.runId}${n === 'cp1' ? '/member/wal' : ''}`);
      expect(old.code, `${n}: old data dir kept`).toBe(0);
      const now = readFileSync(lab.hostPath(n, '/etc/kubernetes/manifests/etcd.yaml'), 'utf8');
      const { changed, command } = manifestDiff(originals.get(n) ?? '', now);
      expect(changed.every((f) => f.startsWith('--initial-cluster=') || f.startsWith('--initial-cluster-state=')), changed.join(' ')).toBe(true);
      expect(command).toContain(`--initial-cluster=${CPS.map((m) => `${m}=https://${lab.node(m).address}:2380`).join(',')}`);
      expect(command).toContain('--initial-cluster-state=existing');
      expect(readFileSync(lab.hostPath(n, '/etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8')).toBe(apiservers.get(n));
    }
    // The join command was a secret: never in events, audit or journal.
    expect(out.events.some((e) => e.kind === 'task-end' && e.stepId === 'join-command' && e.outcome === 'done')).toBe(true);
    const audit = readFileSync(join(out.runDir, 'audit.jsonl'), 'utf8') + readFileSync(join(out.runDir, 'journal.jsonl'), 'utf8');
    expect(audit).not.toMatch(/--token [a-z0-9]{6}\.[a-z0-9]{16}/);
    expect(JSON.stringify(out.events)).not.toMatch(/--token [a-z0-9]{6}\.[a-z0-9]{16}/);
  });

  it('a crash in the middle of the restore resumes to a healthy cluster', async () => {
    const { lab } = env;
    await breakQuorum(lab);
    const start = new Date();
    const opts = restoreOptions({ runId: `crash-${Date.now()}` });
    const killedAt = await runChildUntil(opts, (e) => e.kind === 'task-end' && e.stepId === 'swap-data-dir');
    expect(killedAt).toBe('killed');
    const out = await drive(opts, 'resume');
    expect(failures(out)).toEqual([]);
    expect(out.result.outcome).toBe('done');
    expect(await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: start })).toEqual([]);
  });
});

/** The etcd container's command after, and its entries that were not there before. */
function manifestDiff(before: string, after: string): { changed: string[]; command: string[] } {
  const cmd = (t: string): string[] => (parse(t) as { spec: { containers: { command: string[] }[] } }).spec.containers[0]?.command ?? [];
  const b = cmd(before);
  const a = cmd(after);
  expect(a.length).toBe(b.length);
  return { changed: a.filter((f) => !b.includes(f)), command: a };
}

/** Runs the restore in a child process and SIGKILLs it at the first event matching `at`. */
function runChildUntil(opts: DriveOptions, at: (e: { kind: string; stepId?: string }) => boolean): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'child-run.ts'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let killed = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as { kind: string; stepId?: string };
      if (!killed && at(e)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve(killed ? 'killed' : 'finished'));
  });
}
