// The two meta pages (ids 0 and 1) name the root bucket, the freelist and the page count.
// bbolt writes them alternately and trusts the valid one with the higher txid; so do we.
import { SnapshotCorruptError, SnapshotError, SnapshotTruncatedError } from '../errors.js';
import type { ByteSource } from '../byte-source.js';
import { PAGE_HEADER_SIZE, readU64 } from './page.js';

export const BOLT_MAGIC = 0xed0cdaed;
export const BOLT_VERSION = 2;
const META_SIZE = 64;
const CHECKSUMMED = 56;
/** Page sizes to probe for the second meta page when the first one is damaged. */
const CANDIDATE_PAGE_SIZES = [4096, 512, 1024, 2048, 8192, 16384, 32768, 65536];

export interface Meta {
  pageSize: number;
  rootPgid: number;
  freelistPgid: number;
  /** High-water mark: number of pages in the database. */
  pageCount: number;
  txid: number;
}

type MetaResult = { meta: Meta } | { problem: 'magic' | 'version' | 'checksum' };

/** Decodes and validates one meta page body (the bytes after its page header). */
export function parseMeta(body: Buffer): MetaResult {
  if (body.readUInt32LE(0) !== BOLT_MAGIC) return { problem: 'magic' };
  if (body.readUInt32LE(4) !== BOLT_VERSION) return { problem: 'version' };
  const checksum = body.readBigUInt64LE(CHECKSUMMED);
  if (checksum !== 0n && checksum !== fnv1a64(body.subarray(0, CHECKSUMMED))) return { problem: 'checksum' };
  return {
    meta: {
      pageSize: body.readUInt32LE(8),
      rootPgid: readU64(body, 16),
      freelistPgid: readU64(body, 32),
      pageCount: readU64(body, 40),
      txid: readU64(body, 48),
    },
  };
}

/** FNV-1a 64, the meta checksum bbolt uses. */
export function fnv1a64(bytes: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

/** Picks the meta page bbolt would use, finding the page size even if meta page 0 is damaged. */
export function readMeta(source: ByteSource): Meta {
  if (source.size < PAGE_HEADER_SIZE + META_SIZE) {
    throw new SnapshotTruncatedError(`the file is ${source.size} bytes, smaller than one bbolt meta page`);
  }
  const first = parseMeta(source.readAt(PAGE_HEADER_SIZE, META_SIZE));
  const sizes = 'meta' in first ? [first.meta.pageSize] : CANDIDATE_PAGE_SIZES;
  const problems: string[] = [];
  for (const pageSize of sizes) {
    checkPageSize(pageSize);
    if (source.size < pageSize + PAGE_HEADER_SIZE + META_SIZE) continue;
    const second = parseMeta(source.readAt(pageSize + PAGE_HEADER_SIZE, META_SIZE));
    problems.push(`page 1 at page size ${pageSize}: ${'problem' in second ? second.problem : 'ok'}`);
    const valid = [first, second].flatMap((r) => ('meta' in r && r.meta.pageSize === pageSize ? [r.meta] : []));
    valid.sort((a, b) => b.txid - a.txid);
    if (valid[0]) return valid[0];
  }
  const firstProblem = 'problem' in first ? first.problem : 'ok';
  if (firstProblem === 'magic' && problems.every((p) => p.endsWith(': magic'))) {
    throw new SnapshotError('SNAPSHOT_NOT_BBOLT', 'not a bbolt database: no meta page carries the bbolt magic number');
  }
  if ('meta' in first) throw new SnapshotTruncatedError(`the file is ${source.size} bytes and ends before its second meta page`);
  throw new SnapshotCorruptError(`both meta pages are invalid (page 0: ${firstProblem}; ${problems[0] ?? 'page 1: beyond the end of the file'})`);
}

function checkPageSize(pageSize: number): void {
  // A page must at least hold a meta page; bbolt only ever uses powers of two (OS page sizes).
  if (pageSize < 512 || pageSize > 1 << 20 || (pageSize & (pageSize - 1)) !== 0) {
    throw new SnapshotError('SNAPSHOT_BAD_PAGE_SIZE', `the meta page declares a page size of ${pageSize} bytes (expected a power of two from 512 to 1 MiB)`);
  }
}
