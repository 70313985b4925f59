// --param backup=DIR or snapshot + snapshotSha256, exactly one, for the restore runbooks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRestoreSource } from '../../src/app/restore-source.js';
import { runbookWith } from '../helpers/build.js';

const rb = runbookWith('      - { id: a, local: date }\n', '  backup: { type: path }\n  snapshot: { type: path }\n  snapshotSha256: { type: string }');
const SHA = 'ab'.repeat(32);
const backup = mkdtempSync(join(tmpdir(), 'kubedr-src-'));
writeFileSync(join(backup, 'snapshot.db.sha256'), `${SHA.toUpperCase()}  snapshot.db\n`);
const codes = (given: Record<string, string>) => applyRestoreSource(rb, given).problems.map((p) => p.code);

describe('applyRestoreSource', () => {
  it('takes the snapshot and its sha256 from the backup dir', () => {
    expect(applyRestoreSource(rb, { backup })).toEqual({ given: { backup, snapshot: join(backup, 'snapshot.db'), snapshotSha256: SHA }, problems: [] });
  });

  it('accepts the values it derived (a resumed run passes them back)', () => {
    expect(codes({ backup, snapshot: join(backup, 'snapshot.db'), snapshotSha256: SHA })).toEqual([]);
  });

  it('refuses both sources naming different snapshots, neither, or half of the bare one', () => {
    expect(codes({ backup, snapshot: '/other.db', snapshotSha256: SHA })).toEqual(['PARAM_RESTORE_SOURCE']);
    expect(codes({})).toEqual(['PARAM_RESTORE_SOURCE']);
    expect(codes({ snapshot: '/s.db' })).toEqual(['PARAM_RESTORE_SOURCE']);
    expect(applyRestoreSource(rb, {}).problems[0]?.hint).toContain('--param backup=DIR');
    expect(codes({ snapshot: '/s.db', snapshotSha256: SHA })).toEqual([]);
  });

  it('names a backup dir without its sha256 file', () => {
    expect(codes({ backup: join(backup, 'nope') })).toEqual(['PARAM_BACKUP_UNREADABLE']);
  });

  it('leaves runbooks without the three params alone', () => {
    const other = runbookWith('      - { id: a, local: date }\n', '  snapshot: { type: path }');
    expect(applyRestoreSource(other, {}).problems).toEqual([]);
  });
});
