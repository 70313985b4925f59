// bbolt's on-disk page layout (go.etcd.io/bbolt 1.3, as used by etcd 3.4): a 16-byte header
// {id u64, flags u16, count u16, overflow u32}, then `count` 16-byte elements whose `pos`
// fields point (relative to the element itself) at keys and values stored after them.
import { SnapshotCorruptError } from '../errors.js';

export const PAGE_HEADER_SIZE = 16;
export const ELEMENT_SIZE = 16;
export const BUCKET_HEADER_SIZE = 16;

export const PageFlag = { branch: 0x01, leaf: 0x02, meta: 0x04, freelist: 0x10 } as const;
export const BUCKET_LEAF_FLAG = 0x01;

/** A page (or an inline bucket's page) inside `buf`, starting at `base`, ending at `end`. */
export interface PageView {
  readonly id: number;
  readonly flags: number;
  readonly count: number;
  readonly overflow: number;
  readonly buf: Buffer;
  readonly base: number;
  readonly end: number;
}

export interface LeafElement {
  isBucket: boolean;
  key: Buffer;
  value: Buffer;
}

export interface BranchElement {
  key: Buffer;
  pgid: number;
}

/** Reads a little-endian u64 as a number; ids ≥ 2^53 come out inexact but are out of range anyway. */
export function readU64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 2 ** 32;
}

/** Decodes the page header at `base`; `end` bounds every element read. */
export function viewPage(buf: Buffer, base: number, end: number): PageView {
  if (base + PAGE_HEADER_SIZE > end) throw new SnapshotCorruptError(`page header at byte ${base} does not fit its page`);
  const page = {
    id: readU64(buf, base),
    flags: buf.readUInt16LE(base + 8),
    count: buf.readUInt16LE(base + 10),
    overflow: buf.readUInt32LE(base + 12),
    buf,
    base,
    end,
  };
  const isTree = (page.flags & (PageFlag.branch | PageFlag.leaf)) !== 0;
  if (isTree && base + PAGE_HEADER_SIZE + page.count * ELEMENT_SIZE > end) {
    throw new SnapshotCorruptError(`${describePage(page)} claims ${page.count} elements, more than fit in the page`);
  }
  return page;
}

/** Names a page for error messages. */
export function describePage(page: Pick<PageView, 'id' | 'flags'>): string {
  return `page ${page.id} (${describeType(page.flags)})`;
}

export function describeType(flags: number): string {
  if (flags & PageFlag.branch) return 'branch';
  if (flags & PageFlag.leaf) return 'leaf';
  if (flags & PageFlag.meta) return 'meta';
  if (flags & PageFlag.freelist) return 'freelist';
  return `unknown flags 0x${flags.toString(16)}`;
}

/** The i-th key/value of a leaf page, bounds-checked against the page. */
export function leafElement(page: PageView, i: number): LeafElement {
  const at = page.base + PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
  const flags = page.buf.readUInt32LE(at);
  const start = at + page.buf.readUInt32LE(at + 4);
  const ksize = page.buf.readUInt32LE(at + 8);
  const vsize = page.buf.readUInt32LE(at + 12);
  const vend = start + ksize + vsize;
  if (vend > page.end) throw new SnapshotCorruptError(`${describePage(page)} element ${i} points past the end of the page`);
  return {
    isBucket: (flags & BUCKET_LEAF_FLAG) !== 0,
    key: page.buf.subarray(start, start + ksize),
    value: page.buf.subarray(start + ksize, vend),
  };
}

/** The i-th separator key and child page id of a branch page. */
export function branchElement(page: PageView, i: number): BranchElement {
  const at = page.base + PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
  const start = at + page.buf.readUInt32LE(at);
  const ksize = page.buf.readUInt32LE(at + 4);
  if (start + ksize > page.end) throw new SnapshotCorruptError(`${describePage(page)} element ${i} points past the end of the page`);
  return { key: page.buf.subarray(start, start + ksize), pgid: readU64(page.buf, at + 8) };
}
