// Reads a backup directory from disk (hashing every file) and checks it (layout.ts). Bad
// backups are bad input: an InputError (exit 2) listing every problem, nothing executed.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError, KubedrError } from '../../errors/index.js';
import { checkBackup, CLUSTER_JSON, SHA256SUMS, SNAPSHOT_SHA, type Backup, type BackupListing } from './layout.js';

export async function loadBackup(dir: string): Promise<Backup> {
  const listing = await listBackup(dir);
  const { backup, problems } = checkBackup(listing);
  if (!backup) throw new InputError(problems, `backup ${dir} cannot be used`);
  return backup;
}

export async function listBackup(dir: string): Promise<BackupListing> {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    throw new KubedrError('BACKUP_NOT_FOUND', `backup dir ${dir} does not exist`, { exitCode: 2, cause: err, hint: 'pass the directory etcd-backup wrote: <backupDir>/<cluster>-<run id>/' });
  }
  if (!st.isDirectory()) throw new KubedrError('BACKUP_NOT_A_DIR', `backup ${dir} is not a directory`, { exitCode: 2, hint: 'for a bare snapshot file use --param snapshot=F --param snapshotSha256=S' });
  const files = new Map<string, string>();
  for (const path of walk(dir)) files.set(relative(dir, path).split('\\').join('/'), await sha256File(path));
  const read = (f: string) => (files.has(f) ? readFileSync(join(dir, f), 'utf8') : undefined);
  const text: BackupListing['text'] = {};
  const sums = read(SHA256SUMS);
  const snap = read(SNAPSHOT_SHA);
  const cluster = read(CLUSTER_JSON);
  if (sums !== undefined) text.sums = sums;
  if (snap !== undefined) text.snapshotSha = snap;
  if (cluster !== undefined) text.cluster = cluster;
  return { dir, files, text };
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
