// Surgical edits of a bbolt file for tests: rewrite meta fields with a valid checksum, find
// pages of the fixture, craft a freelist page. Works on the raw database (no sha256 trailer).
import { fnv1a64 } from '../../../src/etcd/snapshot/bbolt/meta.js';
import { branchElement, leafElement, readU64, viewPage } from '../../../src/etcd/snapshot/bbolt/page.js';

export const PAGE = 4096;

export interface MetaPatch {
  pageSize?: number;
  rootPgid?: number;
  freelistPgid?: bigint;
  pageCount?: number;
}

/** Rewrites fields of meta page 0 and/or 1 and recomputes their FNV-1a checksum. */
export function patchMeta(db: Buffer, patch: MetaPatch, pages: (0 | 1)[] = [0, 1]): void {
  for (const p of pages) {
    const at = p * (readPageSize(db) ?? PAGE) + 16;
    if (patch.pageSize !== undefined) db.writeUInt32LE(patch.pageSize, at + 8);
    if (patch.rootPgid !== undefined) db.writeBigUInt64LE(BigInt(patch.rootPgid), at + 16);
    if (patch.freelistPgid !== undefined) db.writeBigUInt64LE(patch.freelistPgid, at + 32);
    if (patch.pageCount !== undefined) db.writeBigUInt64LE(BigInt(patch.pageCount), at + 40);
    db.writeBigUInt64LE(fnv1a64(db.subarray(at, at + 56)), at + 56);
  }
}

function readPageSize(db: Buffer): number | undefined {
  return db.readUInt32LE(16 + 8) || undefined;
}

/** Root page id from meta page 0. */
export function rootPgid(db: Buffer): number {
  return readU64(db, 16 + 16);
}

/** The root page id of a top-level bucket (0 for an inline bucket). */
export function bucketRoot(db: Buffer, name: string): number {
  const root = rootPgid(db);
  const page = viewPage(db, root * PAGE, (root + 1) * PAGE);
  for (let i = 0; i < page.count; i++) {
    const e = leafElement(page, i);
    if (e.key.toString() === name) return readU64(e.value, 0);
  }
  throw new Error(`no bucket ${name}`);
}

/** Page ids reachable from the meta pages (the fixture has only branch/leaf pages, no nesting). */
export function reachablePages(db: Buffer): Set<number> {
  const used = new Set<number>([0, 1]);
  const visit = (id: number): void => {
    const page = viewPage(db, id * PAGE, db.length);
    for (let p = id; p <= id + page.overflow; p++) used.add(p);
    if (page.flags & 0x01) for (let i = 0; i < page.count; i++) visit(branchElement(page, i).pgid);
  };
  visit(rootPgid(db));
  visit(bucketRoot(db, 'key'));
  return used;
}

/** Turns page `at` into a freelist page listing `ids` (count > 0xFFFF form when `wide`). */
export function writeFreelist(db: Buffer, at: number, ids: number[], wide = false): void {
  const base = at * PAGE;
  db.fill(0, base, base + PAGE);
  db.writeBigUInt64LE(BigInt(at), base);
  db.writeUInt16LE(0x10, base + 8);
  db.writeUInt16LE(wide ? 0xffff : ids.length, base + 10);
  let pos = base + 16;
  if (wide) {
    db.writeBigUInt64LE(BigInt(ids.length), pos);
    pos += 8;
  }
  for (const id of ids) {
    db.writeBigUInt64LE(BigInt(id), pos);
    pos += 8;
  }
  patchMeta(db, { freelistPgid: BigInt(at) });
}
