// Opens a bbolt file through positional reads and scans it the way `etcdctl snapshot status`
// does: integrity check of the page graph, then every top-level bucket in key order.
import type { ByteSource } from '../byte-source.js';
import { SnapshotCorruptError, SnapshotTruncatedError } from '../errors.js';
import { computeDatabaseSize, HASH_SIZE, hasIntegrityTrailer } from '../integrity.js';
import { PageAccount } from './account.js';
import { accountFreelist } from './freelist.js';
import { readMeta, type Meta } from './meta.js';
import { PageReader } from './pages.js';
import { walkBucket, walkRoot, type TreeContext } from './walk.js';

export interface BboltDb {
  readonly source: ByteSource;
  readonly meta: Meta;
  readonly pages: PageReader;
  /** Bytes the database occupies: page count × page size (what `snapshot status` calls total size). */
  readonly size: number;
}

export interface BucketVisitor {
  /** A top-level bucket begins; return false to skip its entries (they are still checked). */
  bucket(name: Buffer): boolean;
  /**
   * A direct entry of the current top-level bucket; nested buckets come with `isBucket`. `key`
   * and `value` are views into a page buffer that later reads reuse: copy what you keep.
   */
  entry(key: Buffer, value: Buffer, isBucket: boolean): void;
}

/** Reads the meta page and checks the file is long enough for the pages it declares. */
export function openBbolt(source: ByteSource): BboltDb {
  const meta = readMeta(source);
  if (meta.pageCount < 4) throw new SnapshotCorruptError(`meta: page count ${meta.pageCount} is too small for a bbolt database`);
  const size = meta.pageCount * meta.pageSize;
  const available = computeDatabaseSize(source.size);
  if (size > available) {
    throw new SnapshotTruncatedError(`the database needs ${size} bytes (${meta.pageCount} pages of ${meta.pageSize}) but the file holds ${available}`);
  }
  checkFileLength(source.size, meta.pageSize);
  return { source, meta, size, pages: new PageReader(source, meta.pageSize, meta.pageCount) };
}

/** A bbolt file is whole pages; without a complete sha256 trailer, any remainder means damage. */
function checkFileLength(fileSize: number, pageSize: number): void {
  const extra = fileSize % pageSize;
  if (hasIntegrityTrailer(fileSize) || extra === 0) return;
  if (extra < HASH_SIZE) {
    throw new SnapshotTruncatedError(`the file ends ${extra} byte(s) into the 32-byte sha256 that \`snapshot save\` appends`);
  }
  throw new SnapshotCorruptError(`the file has ${extra} stray bytes after its last ${pageSize}-byte page and no sha256 trailer`);
}

/** Walks every bucket and page once, calling the visitor; throws SNAPSHOT_CORRUPT on any inconsistency. */
export function scanBbolt(db: BboltDb, visitor: BucketVisitor): void {
  const account = new PageAccount(db.meta.pageCount);
  account.use(0, 1, 'meta');
  const ctx: TreeContext = { pages: db.pages, account };
  walkRoot(ctx, db.meta.rootPgid, (top) => {
    const name = top.key.toString('latin1');
    if (!top.isBucket) throw new SnapshotCorruptError(`root bucket: key ${JSON.stringify(name)} is not a bucket`);
    const wanted = visitor.bucket(top.key);
    walkBucket(ctx, top.value, `bucket ${JSON.stringify(name)}`, (e) => {
      if (wanted) visitor.entry(e.key, e.isBucket ? EMPTY : e.value, e.isBucket);
      if (e.isBucket) walkNested(ctx, e.value, `bucket ${JSON.stringify(name)}/${e.key.toString('latin1')}`);
    });
  });
  if (accountFreelist(db.pages, db.meta.freelistPgid, account)) account.checkComplete();
}

const EMPTY = Buffer.alloc(0);

/** Nested buckets are not reported (etcd has none) but their pages must be accounted for. */
function walkNested(ctx: TreeContext, value: Buffer, what: string, depth = 0): void {
  if (depth > 16) throw new SnapshotCorruptError(`${what}: buckets nested deeper than 16 levels`);
  walkBucket(ctx, value, what, (e) => {
    if (e.isBucket) walkNested(ctx, e.value, `${what}/${e.key.toString('latin1')}`, depth + 1);
  });
}
