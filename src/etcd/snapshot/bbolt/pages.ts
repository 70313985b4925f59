// Reads pages by id with bounds checks against the meta page's page count, through a small LRU
// cache of branch pages: memory stays at most `cacheSize` pages whatever the file size.
import type { ByteSource } from '../byte-source.js';
import { SnapshotCorruptError } from '../errors.js';
import { describePage, PageFlag, viewPage, type PageView } from './page.js';

/** @default 64 pages */
const DEFAULT_CACHE_PAGES = 64;
/** Released overflow-page buffers kept for reuse, and the largest one worth keeping. */
const SPARE_BUFFERS = 4;
const MAX_SPARE_BYTES = 16 << 20;

export class PageReader {
  private readonly cache = new Map<number, PageView>();
  /**
   * Buffers of released pages with overflow (big values): reused, because a fresh multi-page
   * buffer per value costs more in page faults than reading it (an 8 GiB snapshot is 8,000
   * such values or more).
   */
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly source: ByteSource,
    readonly pageSize: number,
    readonly pageCount: number,
    private readonly cacheSize = DEFAULT_CACHE_PAGES,
  ) {}

  /** Reads page `id` with its overflow pages; `what` names the referrer for error messages. */
  read(id: number, what: string): PageView {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    this.checkId(id, what);
    // One read for the common single page; a second one only for the overflow pages of big values.
    const first = this.source.readAt(id * this.pageSize, this.pageSize);
    const overflow = first.readUInt32LE(12);
    if (id + overflow >= this.pageCount) {
      throw new SnapshotCorruptError(`${what}: page ${id} claims ${overflow} overflow pages, past the last page ${this.pageCount - 1}`);
    }
    const length = (overflow + 1) * this.pageSize;
    const bytes = overflow === 0 ? first : this.readOverflow(id, first, length);
    const page = viewPage(bytes, 0, length);
    if (page.id !== id) throw new SnapshotCorruptError(`${what}: page ${id} carries the id ${page.id} (misplaced page)`);
    this.remember(id, page);
    return page;
  }

  /**
   * Gives back the buffer of a page with overflow once nothing refers to it any more: its
   * elements' keys and values (views into it) are overwritten by a later read.
   */
  release(page: PageView): void {
    if (page.overflow === 0 || page.buf.length > MAX_SPARE_BYTES || this.spare.length >= SPARE_BUFFERS) return;
    if (!this.spare.includes(page.buf)) this.spare.push(page.buf);
  }

  private readOverflow(id: number, first: Buffer, length: number): Buffer {
    const i = this.spare.findIndex((b) => b.length >= length);
    const buf = i >= 0 ? (this.spare.splice(i, 1)[0] as Buffer) : Buffer.allocUnsafe(length);
    first.copy(buf, 0);
    this.source.readInto((id + 1) * this.pageSize, length - this.pageSize, buf.subarray(this.pageSize));
    return buf;
  }

  /** Throws unless `id` names a data page (not a meta page) below the page count. */
  checkId(id: number, what: string): void {
    if (!Number.isSafeInteger(id) || id < 2 || id >= this.pageCount) {
      throw new SnapshotCorruptError(`${what}: page id ${id} is out of range (2..${this.pageCount - 1})`);
    }
  }

  private remember(id: number, page: PageView): void {
    // Only branch pages are worth keeping: a scan reads each leaf once, and a cached leaf would pin
    // its read buffer (and the slab it was carved from).
    if (page.overflow > 0 || !(page.flags & PageFlag.branch)) return;
    this.cache.set(id, page);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }
}

/** Throws unless the page has the expected type. */
export function expectType(page: PageView, flags: number, what: string): void {
  if ((page.flags & flags) === 0) throw new SnapshotCorruptError(`${what}: ${describePage(page)} has the wrong type`);
}
