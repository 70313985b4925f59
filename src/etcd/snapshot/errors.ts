// One error class per way a snapshot file can be unusable. All are bad input (exit 2): nothing
// is executed and the operator has to fetch or re-copy the file.
import { KubedrError } from '../../errors/index.js';

export type SnapshotErrorCode =
  | 'SNAPSHOT_NOT_FOUND'
  | 'SNAPSHOT_NOT_BBOLT'
  | 'SNAPSHOT_TRUNCATED'
  | 'SNAPSHOT_HASH_MISMATCH'
  | 'SNAPSHOT_BAD_PAGE_SIZE'
  | 'SNAPSHOT_CORRUPT'
  | 'SNAPSHOT_NOT_ETCD'
  | 'SNAPSHOT_KEY_NOT_FOUND';

const hints: Record<SnapshotErrorCode, string> = {
  SNAPSHOT_NOT_FOUND: 'check the path; the snapshot must be a readable regular file',
  SNAPSHOT_NOT_BBOLT: 'pass a file written by `etcdctl snapshot save` (or a member/snap/db copy)',
  SNAPSHOT_TRUNCATED: 'the copy is incomplete: copy the snapshot again and compare its sha256 with the original',
  SNAPSHOT_HASH_MISMATCH:
    'the file changed after `snapshot save` (bad copy or disk): copy it again; `etcdctl snapshot restore` would refuse it too',
  SNAPSHOT_BAD_PAGE_SIZE: 'the meta page holds an impossible page size: the file is damaged or not a bbolt database',
  SNAPSHOT_CORRUPT: 'the database structure is damaged: use another snapshot; do not restore from this one',
  SNAPSHOT_NOT_ETCD: 'this bbolt file has no etcd `key` bucket: pass an etcd v3 snapshot',
  SNAPSHOT_KEY_NOT_FOUND: 'check the spelling: Kubernetes keys look like /registry/<resource>/<namespace>/<name>',
};

export class SnapshotError extends KubedrError {
  declare readonly code: SnapshotErrorCode;

  constructor(code: SnapshotErrorCode, message: string, opts: { cause?: unknown; hint?: string } = {}) {
    super(code, message, { exitCode: code === 'SNAPSHOT_KEY_NOT_FOUND' ? 1 : 2, hint: opts.hint ?? hints[code], cause: opts.cause });
    this.name = 'SnapshotError';
  }
}

/** The database structure is inconsistent (bad page type, out-of-range id, cycle, bad bounds). */
export class SnapshotCorruptError extends SnapshotError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('SNAPSHOT_CORRUPT', message, opts);
    this.name = 'SnapshotCorruptError';
  }
}

/** The file ends before the database does. */
export class SnapshotTruncatedError extends SnapshotError {
  constructor(message: string) {
    super('SNAPSHOT_TRUNCATED', message);
    this.name = 'SnapshotTruncatedError';
  }
}

/** The sha256 appended by `snapshot save` does not match the database bytes. */
export class SnapshotHashMismatchError extends SnapshotError {
  constructor(expected: string, actual: string, opts: { cause?: unknown } = {}) {
    const also = opts.cause instanceof SnapshotError ? `; the structure is damaged too (${opts.cause.message})` : '';
    super('SNAPSHOT_HASH_MISMATCH', `integrity hash mismatch: the file ends with sha256 ${expected} but its database hashes to ${actual}${also}`, opts);
    this.name = 'SnapshotHashMismatchError';
  }
}
