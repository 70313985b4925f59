// Walks the bucket B+trees in key order. Each page is marked in the PageAccount before it is
// descended into, so a cycle or shared page is an error instead of a hang, and recursion depth
// is capped so a long chain of branch pages cannot overflow the stack.
import { SnapshotCorruptError } from '../errors.js';
import type { PageAccount } from './account.js';
import { expectType, type PageReader } from './pages.js';
import {
  branchElement, BUCKET_HEADER_SIZE, describePage, leafElement, PageFlag, readU64, viewPage, type LeafElement, type PageView,
} from './page.js';

/** bbolt trees are a handful of levels deep; anything deeper is a damaged file. */
const MAX_DEPTH = 32;

export interface TreeContext {
  pages: PageReader;
  account: PageAccount;
}

export type LeafVisitor = (element: LeafElement) => void;

/** Visits every leaf element, in key order, of the bucket whose 16-byte header is `bucketValue`. */
export function walkBucket(ctx: TreeContext, bucketValue: Buffer, what: string, visit: LeafVisitor): void {
  if (bucketValue.length < BUCKET_HEADER_SIZE) throw new SnapshotCorruptError(`${what}: bucket header is ${bucketValue.length} bytes`);
  const root = readU64(bucketValue, 0);
  const order = orderChecker(what);
  if (root === 0) {
    // Inline bucket: its single leaf page is stored in the value right after the header.
    const page = viewPage(bucketValue, BUCKET_HEADER_SIZE, bucketValue.length);
    expectType(page, PageFlag.leaf, `${what} (inline)`);
    visitLeaf(page, what, (e) => visit(order(e)));
    return;
  }
  walkPage(ctx, root, what, 0, (e) => visit(order(e)));
}

/** Visits the root bucket's elements: the top-level bucket names. */
export function walkRoot(ctx: TreeContext, rootPgid: number, visit: LeafVisitor): void {
  ctx.pages.checkId(rootPgid, 'meta root');
  const order = orderChecker('root bucket');
  walkPage(ctx, rootPgid, 'root bucket', 0, (e) => visit(order(e)));
}

function walkPage(ctx: TreeContext, id: number, what: string, depth: number, visit: LeafVisitor): void {
  if (depth > MAX_DEPTH) throw new SnapshotCorruptError(`${what}: tree deeper than ${MAX_DEPTH} levels at page ${id}`);
  const page = ctx.pages.read(id, what);
  ctx.account.use(id, page.overflow, what);
  if (page.flags & PageFlag.leaf) {
    visitLeaf(page, what, visit);
    // Visitors copy what they keep (BucketVisitor.entry), so a big-value page can be reused.
    ctx.pages.release(page);
  } else if (page.flags & PageFlag.branch) {
    for (let i = 0; i < page.count; i++) walkPage(ctx, branchElement(page, i).pgid, what, depth + 1, visit);
  } else {
    throw new SnapshotCorruptError(`${what}: ${describePage(page)} is not a branch or leaf page`);
  }
}

function visitLeaf(page: PageView, what: string, visit: LeafVisitor): void {
  if (!(page.flags & PageFlag.leaf)) throw new SnapshotCorruptError(`${what}: ${describePage(page)} is not a leaf page`);
  for (let i = 0; i < page.count; i++) visit(leafElement(page, i));
}

/**
 * Keys of a bucket must come strictly ascending; a flipped key byte usually breaks that. The
 * previous key is copied: its page's buffer may be reused by the next read.
 */
function orderChecker(what: string): (e: LeafElement) => LeafElement {
  let previous = Buffer.alloc(64);
  let length = -1;
  return (e) => {
    if (length >= 0 && previous.compare(e.key, 0, e.key.length, 0, length) >= 0) {
      throw new SnapshotCorruptError(`${what}: keys out of order (${printable(previous.subarray(0, length))} then ${printable(e.key)})`);
    }
    if (e.key.length > previous.length) previous = Buffer.alloc(e.key.length * 2);
    length = e.key.copy(previous, 0);
    return e;
  };
}

function printable(key: Buffer): string {
  const s = key.subarray(0, 48).toString('latin1');
  return /^[\x20-\x7e]*$/.test(s) ? JSON.stringify(s) : `0x${key.subarray(0, 24).toString('hex')}`;
}
