// etcd-backup on the lab (real sshd, real etcd 3.4 with TLS): the backup holds the snapshot and,
// from EVERY control-plane node, its own manifests and certificates (shared CA once), with
// cluster facts and a sha256 for every file; the layout reader accepts it and names a corrupted
// or missing file.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedKeys } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { loadBackup } from '../../src/etcd/backup/index.js';
import { readFlag } from '../../src/etcd/manifest.js';
import { drive, runbookPath } from './drive.js';

const env = useLab({ controlPlanes: 3, workers: 1 });
const work = mkdtempSync(join(tmpdir(), 'kubedr-backup-lab-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const CPS = ['cp1', 'cp2', 'cp3'];
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
let dir = '';

describe.sequential('etcd-backup on the lab', () => {
  it('captures every control-plane node and verifies every file here', async () => {
    const { lab } = env;
    await seedKeys(lab, 200);
    // A kubeadm config on one node only: captured where present, absent elsewhere.
    writeFileSync(lab.hostPath('cp2', '/etc/kubernetes/kubeadm-config.yaml'), 'kind: ClusterConfiguration\n');
    const out = await drive({ runbook: runbookPath('etcd-backup'), inventory: lab.inventoryPath, params: { backupDir: join(work, 'backups') }, stateDir: join(work, 'state') });
    const failed = [...out.result.tasks.values()].filter((t) => t.outcome !== 'done').map((t) => `${t.key}: ${t.error ?? ''} ${t.stderr}`);
    expect(failed).toEqual([]);
    dir = join(work, 'backups', `lab-${out.runId}`);
    expect(readdirSync(dir).sort()).toEqual(['SHA256SUMS', 'cluster.json', 'nodes', 'shared', 'snapshot.db', 'snapshot.db.sha256']);
    expect(readdirSync(join(dir, 'nodes')).sort()).toEqual(CPS);

    const backup = await loadBackup(dir);
    const names = CPS.map((n) => readFlag(readFileSync(lab.hostPath(n, '/etc/kubernetes/manifests/etcd.yaml'), 'utf8'), 'name'));
    expect(backup.cluster.members.map((m) => m.name).sort()).toEqual([...names].sort());
    for (const m of backup.cluster.members) expect(m.peerURL).toMatch(/^https:\/\/127\.\d+\.0\.\d:2380$/);
    expect(backup.cluster).toMatchObject({ cluster: 'lab', sha256: backup.snapshotSha256 });
    expect(backup.cluster.etcdVersion).toMatch(/^3\.4\./);
    expect(backup.cluster.revision).toBeGreaterThan(1); // seedKeys writes in txn batches: one revision per batch
    expect(backup.cluster.raftIndex).toBeGreaterThan(0);
    expect(backup.cluster.totalKeys).toBeGreaterThanOrEqual(200);
  });

  it('keeps each node its own manifests and certificates, the shared CA once', () => {
    const { lab } = env;
    for (const n of CPS) {
      for (const f of ['manifests/etcd.yaml', 'manifests/kube-apiserver.yaml', 'pki/etcd/server.crt', 'pki/etcd/peer.key', 'pki/apiserver.crt']) {
        const onNode = readFileSync(lab.hostPath(n, `/etc/kubernetes/${f}`));
        expect(sha(readFileSync(join(dir, 'nodes', n, f))), `${n}:${f}`).toBe(sha(onNode));
      }
      expect(readdirSync(join(dir, 'nodes', n, 'pki')).sort()).not.toContain('ca.crt');
    }
    expect(readFileSync(join(dir, 'nodes/cp1/pki/etcd/server.crt'), 'utf8')).not.toBe(readFileSync(join(dir, 'nodes/cp2/pki/etcd/server.crt'), 'utf8'));
    for (const f of ['ca.crt', 'ca.key', 'etcd/ca.crt', 'etcd/ca.key']) expect(sha(readFileSync(join(dir, 'shared/pki', f)))).toBe(sha(readFileSync(lab.hostPath('cp3', `/etc/kubernetes/pki/${f}`))));
    expect(readFileSync(join(dir, 'nodes/cp2/kubeadm-config.yaml'), 'utf8')).toBe('kind: ClusterConfiguration\n');
    expect(readdirSync(join(dir, 'nodes/cp1'))).not.toContain('kubeadm-config.yaml');
    const listed = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.slice(66));
    expect(listed).toContain('nodes/cp3/pki/etcd/peer.crt');
    expect(listed).toContain('cluster.json');
  });

  it('a changed or missing file makes the backup unusable, naming the file', async () => {
    const f = join(dir, 'nodes/cp2/pki/etcd/server.key');
    const original = readFileSync(f);
    writeFileSync(f, 'tampered');
    await expect(loadBackup(dir)).rejects.toMatchObject({ code: 'BACKUP_SHA256_MISMATCH', exitCode: 2, problems: [expect.objectContaining({ message: expect.stringContaining('nodes/cp2/pki/etcd/server.key') })] });
    unlinkSync(f);
    await expect(loadBackup(dir)).rejects.toMatchObject({ code: 'BACKUP_MISSING_FILE' });
    writeFileSync(f, original);
    await expect(loadBackup(dir)).resolves.toBeDefined();
  });
});
