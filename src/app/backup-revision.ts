// The revision a quorum restore compares the survivor with: `--param backup=DIR` (a dir
// etcd-backup wrote) gives its cluster.json "revision"; `--param backupRevision=N` stays for an
// operator who has only the number. Applies to runbooks declaring both params and no snapshot
// (a restore's backup names the snapshot instead: restore-source.ts). The value is fixed before
// planning, so the plan stays pure and shows the number.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../errors/index.js';
import type { Runbook } from '../model/index.js';

export function applyBackupRevision(rb: Runbook, given: Record<string, string>): { given: Record<string, string>; problems: Problem[] } {
  const names = new Set(rb.params.map((p) => p.name));
  if (!names.has('backup') || !names.has('backupRevision') || names.has('snapshot')) return { given, problems: [] };
  const backup = given.backup;
  if (backup === undefined || backup === '') return { given, problems: [] };
  const file = join(backup, 'cluster.json');
  const problem = (message: string, hint: string): { given: Record<string, string>; problems: Problem[] } => ({ given, problems: [{ code: 'PARAM_BACKUP_UNREADABLE', message, hint, severity: 'error' }] });
  let revision: unknown;
  try {
    revision = (JSON.parse(readFileSync(file, 'utf8')) as { revision?: unknown }).revision;
  } catch (err) {
    return problem(`--param backup=${backup}: cannot read ${file} (${(err as Error).message.split('\n')[0] ?? ''})`, 'pass the directory etcd-backup wrote (<backupDir>/<cluster>-<run id>/), or only --param backupRevision=N');
  }
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    return problem(`--param backup=${backup}: ${file} has no "revision" number`, 'etcd-backup writes {"revision": N, ...}; pass --param backupRevision=N instead of the dir');
  }
  // A resumed run passes the value this derived back in: the same value is no conflict.
  if (given.backupRevision !== undefined && given.backupRevision !== String(revision)) {
    return { given, problems: [{ code: 'PARAM_BACKUP_REVISION', message: `--param backupRevision=${given.backupRevision} and --param backup=${backup} (revision ${revision}) disagree`, hint: 'give only --param backup=DIR (its cluster.json has the revision), or only --param backupRevision=N', severity: 'error' }] };
  }
  return { given: { ...given, backupRevision: String(revision) }, problems: [] };
}
