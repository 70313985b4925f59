// The integrity hash `etcdctl snapshot save` (etcd 3.4) appends: the server streams the bbolt
// file and then sha256(all bytes sent). `snapshot restore` detects it by file size alone:
// (size % 512) == 32 means "hash present"; a raw member/snap/db copy is a multiple of 512.
import { createHash } from 'node:crypto';
import type { ByteSource } from './byte-source.js';

export const HASH_SIZE = 32;
const SIZE_QUANTUM = 512;
/** Chunk for the streamed sha256: memory stays at one chunk whatever the file size. */
const CHUNK = 1 << 20;

export type IntegrityVerdict = 'ok' | 'mismatch' | 'absent' | 'skipped';

export interface IntegrityResult {
  verdict: IntegrityVerdict;
  /** sha256 stored at the end of the file (hex), when present. */
  expected?: string;
  /** sha256 of the database bytes (hex), when computed. */
  actual?: string;
}

/** etcd's rule for "this file ends with a sha256 trailer". */
export function hasIntegrityTrailer(fileSize: number): boolean {
  return fileSize % SIZE_QUANTUM === HASH_SIZE;
}

/** Bytes of bbolt data in the file, i.e. without the trailer. */
export function computeDatabaseSize(fileSize: number): number {
  return hasIntegrityTrailer(fileSize) ? fileSize - HASH_SIZE : fileSize;
}

/** Streams the database bytes through sha256 and compares with the trailer. */
export function verifyIntegrity(source: ByteSource, opts: { skip?: boolean } = {}): IntegrityResult {
  if (!hasIntegrityTrailer(source.size)) return { verdict: 'absent' };
  const dataSize = source.size - HASH_SIZE;
  const expected = source.readAt(dataSize, HASH_SIZE).toString('hex');
  if (opts.skip) return { verdict: 'skipped', expected };
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK, dataSize));
  for (let at = 0; at < dataSize; at += CHUNK) hash.update(source.readInto(at, Math.min(CHUNK, dataSize - at), chunk));
  const actual = hash.digest('hex');
  return { verdict: actual === expected ? 'ok' : 'mismatch', expected, actual };
}
