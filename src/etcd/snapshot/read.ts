// The common frame of every snapshot command: verify the appended sha256 (streamed), open the
// bbolt file, scan it, and turn any failure into a coded SnapshotError. A hash mismatch wins
// over structural errors because it names the root cause: the bytes changed after the save.
import type { ByteSource } from './byte-source.js';
import { openBbolt, scanBbolt, type BboltDb, type BucketVisitor } from './bbolt/database.js';
import { SnapshotCorruptError, SnapshotError, SnapshotHashMismatchError } from './errors.js';
import { verifyIntegrity, type IntegrityResult } from './integrity.js';

export interface ReadOptions {
  /** Do not compute the sha256 (like `etcdctl snapshot restore --skip-hash-check`). @default false */
  skipHashCheck?: boolean;
}

export interface ScanResult {
  db: BboltDb;
  integrity: IntegrityResult;
}

/** Verifies, opens and fully scans a snapshot, feeding `visitor`. */
export function readSnapshot(source: ByteSource, opts: ReadOptions, visitor: BucketVisitor): ScanResult {
  const integrity = verifyIntegrity(source, { skip: opts.skipHashCheck ?? false });
  const mismatch = (cause?: unknown) => new SnapshotHashMismatchError(integrity.expected ?? '', integrity.actual ?? '', { cause });
  let db: BboltDb;
  try {
    db = openBbolt(source);
    scanBbolt(db, visitor);
  } catch (err) {
    const coded = toSnapshotError(err);
    if (integrity.verdict === 'mismatch') throw mismatch(coded);
    throw coded;
  }
  if (integrity.verdict === 'mismatch') throw mismatch();
  return { db, integrity };
}

/** Keeps coded errors; a RangeError from a bounds check we missed still means a damaged file. */
function toSnapshotError(err: unknown): unknown {
  if (err instanceof SnapshotError) return err;
  if (err instanceof RangeError) return new SnapshotCorruptError(`unexpected out-of-bounds read (${err.message})`, { cause: err });
  return err;
}
