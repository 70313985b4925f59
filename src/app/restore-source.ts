// The snapshot a restore runbook reads: `--param backup=DIR` (a dir etcd-backup wrote: the
// snapshot and its sha256 come from there) or a bare `--param snapshot=F --param
// snapshotSha256=S`, exactly one of the two. Applies to runbooks declaring all three params.
// The values are fixed before planning, so the plan stays pure and shows the file and hash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../errors/index.js';
import type { Runbook } from '../model/index.js';

const HINT = 'give --param backup=DIR (the directory etcd-backup wrote) or both --param snapshot=FILE and --param snapshotSha256=SHA, not both';

export function applyRestoreSource(rb: Runbook, given: Record<string, string>): { given: Record<string, string>; problems: Problem[] } {
  const names = new Set(rb.params.map((p) => p.name));
  if (!names.has('backup') || !names.has('snapshot') || !names.has('snapshotSha256')) return { given, problems: [] };
  const problem = (code: string, message: string, hint = HINT): { given: Record<string, string>; problems: Problem[] } => ({ given, problems: [{ code, message, hint, severity: 'error' }] });
  const backup = given.backup;
  if (backup === undefined || backup === '') {
    if (!given.snapshot || !given.snapshotSha256) return problem('PARAM_RESTORE_SOURCE', `no snapshot to restore: ${given.snapshot ? '--param snapshotSha256 is missing' : given.snapshotSha256 ? '--param snapshot is missing' : 'neither --param backup nor --param snapshot is given'}`);
    return { given, problems: [] };
  }
  const snapshot = join(backup, 'snapshot.db');
  let sha: string;
  try {
    sha = (readFileSync(join(backup, 'snapshot.db.sha256'), 'utf8').trim().split(/\s+/)[0] ?? '').toLowerCase();
  } catch {
    return problem('PARAM_BACKUP_UNREADABLE', `--param backup=${backup}: cannot read ${join(backup, 'snapshot.db.sha256')}`, 'pass the directory etcd-backup wrote (<backupDir>/<cluster>-<run id>/), which holds snapshot.db and snapshot.db.sha256');
  }
  if (!/^[0-9a-f]{64}$/.test(sha)) return problem('PARAM_BACKUP_UNREADABLE', `--param backup=${backup}: snapshot.db.sha256 does not start with a sha256`, 'the file holds "<sha256>  snapshot.db" as etcd-backup writes it');
  // A resumed run passes the values this derived back in: the same values are no conflict.
  if ((given.snapshot !== undefined && given.snapshot !== snapshot) || (given.snapshotSha256 !== undefined && given.snapshotSha256.toLowerCase() !== sha)) {
    return problem('PARAM_RESTORE_SOURCE', `--param backup=${backup} and --param snapshot/snapshotSha256 name two different snapshots`);
  }
  return { given: { ...given, snapshot, snapshotSha256: sha }, problems: [] };
}
