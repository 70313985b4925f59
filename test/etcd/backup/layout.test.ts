import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBackup, listBackup, loadBackup, type BackupListing } from '../../../src/etcd/backup/index.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const SNAP = 'snapshot bytes';
const cluster = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ cluster: 'prod', members: [{ name: 'etcd-cp1', peerURL: 'https://10.0.0.11:2380', clientURL: 'https://10.0.0.11:2379' }], etcdVersion: '3.4.30', revision: 42, raftIndex: 77, totalKeys: 10, sha256: sha(SNAP), takenAt: '2026-12-01T00:00:00Z', takenFrom: 'cp1', ...over });

/** A backup as etcd-backup writes it: file → content. */
function goodFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'snapshot.db': SNAP,
    'snapshot.db.sha256': `${sha(SNAP)}  snapshot.db\n`,
    'cluster.json': cluster(),
    'shared/pki/ca.crt': 'CA',
    'nodes/cp1/manifests/etcd.yaml': 'etcd: cp1',
    'nodes/cp1/pki/etcd/server.crt': 'server cp1',
  };
  files['SHA256SUMS'] = Object.entries(files).filter(([k]) => k !== 'snapshot.db').map(([k, v]) => `${sha(v)}  ${k}\n`).join('');
  return files;
}

function listing(files: Record<string, string>): BackupListing {
  const text: BackupListing['text'] = {};
  if (files['SHA256SUMS'] !== undefined) text.sums = files['SHA256SUMS'];
  if (files['snapshot.db.sha256'] !== undefined) text.snapshotSha = files['snapshot.db.sha256'];
  if (files['cluster.json'] !== undefined) text.cluster = files['cluster.json'];
  return { dir: '/b', files: new Map(Object.entries(files).map(([k, v]) => [k, sha(v)])), text };
}

const codes = (files: Record<string, string>) => checkBackup(listing(files)).problems.map((p) => p.code);

describe('checkBackup', () => {
  it('accepts the layout etcd-backup writes', () => {
    const r = checkBackup(listing(goodFiles()));
    expect(r.problems).toEqual([]);
    expect(r.backup?.snapshotSha256).toBe(sha(SNAP));
    expect(r.backup?.cluster.members[0]?.name).toBe('etcd-cp1');
    expect(r.backup?.files).toContain('nodes/cp1/pki/etcd/server.crt');
  });

  it('names a missing file listed in SHA256SUMS', () => {
    const f = goodFiles();
    delete f['nodes/cp1/pki/etcd/server.crt'];
    const r = checkBackup(listing(f));
    expect(r.backup).toBeUndefined();
    expect(r.problems).toEqual([expect.objectContaining({ code: 'BACKUP_MISSING_FILE', message: '/b/nodes/cp1/pki/etcd/server.crt is missing' })]);
  });

  it('names a file whose bytes changed, and a snapshot that does not match its sha256', () => {
    const f = goodFiles();
    f['nodes/cp1/manifests/etcd.yaml'] = 'tampered';
    f['snapshot.db'] = 'other bytes';
    const r = checkBackup(listing(f));
    expect(r.problems.map((p) => [p.code, p.message.split(':')[0]])).toEqual([
      ['BACKUP_SHA256_MISMATCH', '/b/nodes/cp1/manifests/etcd.yaml'],
      ['BACKUP_SHA256_MISMATCH', '/b/snapshot.db'],
    ]);
  });

  it('points at the line of a bad SHA256SUMS entry and at a bad cluster.json', () => {
    const f = goodFiles();
    f['SHA256SUMS'] = `${f['SHA256SUMS'] ?? ''}not a line\n`;
    f['cluster.json'] = cluster({ members: [{ name: 'etcd-cp1' }] });
    const r = checkBackup(listing(f));
    expect(r.problems.find((p) => p.code === 'BACKUP_BAD_SHA256SUMS')?.pos).toEqual({ file: '/b/SHA256SUMS', line: 6, col: 1 });
    expect(r.problems.find((p) => p.code === 'BACKUP_BAD_CLUSTER_JSON')?.message).toContain('members[{name,peerURL,clientURL}]');
  });

  it('refuses paths that leave the backup dir and files from two backups', () => {
    const f = goodFiles();
    f['SHA256SUMS'] = `${sha('x')}  ../etc/passwd\n`;
    f['cluster.json'] = cluster({ sha256: sha('another snapshot') });
    expect(codes(f)).toEqual(expect.arrayContaining(['BACKUP_BAD_SHA256SUMS', 'BACKUP_SHA256_MISMATCH']));
  });

  it('a bare snapshot dir lacks the metadata files', () => {
    expect(codes({ 'snapshot.db': SNAP })).toEqual(['BACKUP_MISSING_FILE', 'BACKUP_MISSING_FILE', 'BACKUP_MISSING_FILE']);
  });

  it('warns about files not in SHA256SUMS', () => {
    const f = { ...goodFiles(), 'notes.txt': 'hi' };
    const r = checkBackup(listing(f));
    expect(r.backup).toBeDefined();
    expect(r.problems.map((p) => [p.code, p.severity])).toEqual([['BACKUP_UNLISTED_FILE', 'warning']]);
  });
});

describe('loadBackup (files on disk)', () => {
  const root = mkdtempSync(join(tmpdir(), 'kubedr-backup-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (dir: string, files: Record<string, string>) => {
    for (const [k, v] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, k)), { recursive: true });
      writeFileSync(join(dir, k), v);
    }
  };

  it('hashes every file and returns the backup', async () => {
    const dir = join(root, 'good');
    write(dir, goodFiles());
    const l = await listBackup(dir);
    expect(l.files.get('shared/pki/ca.crt')).toBe(sha('CA'));
    expect((await loadBackup(dir)).cluster.revision).toBe(42);
  });

  it('a corrupted file is bad input (exit 2) naming it', async () => {
    const dir = join(root, 'bad');
    write(dir, { ...goodFiles(), 'shared/pki/ca.crt': 'changed' });
    await expect(loadBackup(dir)).rejects.toMatchObject({ exitCode: 2, code: 'BACKUP_SHA256_MISMATCH', problems: [expect.objectContaining({ message: expect.stringContaining('shared/pki/ca.crt') })] });
  });

  it('a missing dir and a file instead of a dir have their own codes', async () => {
    await expect(loadBackup(join(root, 'nope'))).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND', exitCode: 2 });
    writeFileSync(join(root, 'file.db'), 'x');
    await expect(loadBackup(join(root, 'file.db'))).rejects.toMatchObject({ code: 'BACKUP_NOT_A_DIR', exitCode: 2 });
  });
});
