// Reads pages by id with bounds checks against the meta page's page count, through a small LRU
// cache of branch pages: memory stays at most `cacheSize` pages whatever the file size.
import type { ByteSource } from '../byte-source.js';
import { SnapshotCorruptError } from '../errors.js';
import { describePage, PageFlag, viewPage, type PageView } from './page.js';

/** @default 64 pages */
const DEFAULT_CACHE_PAGES = 64;

export class PageReader {
  private readonly cache = new Map<number, PageView>();

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
    const bytes = overflow === 0 ? first : Buffer.concat([first, this.source.readAt((id + 1) * this.pageSize, overflow * this.pageSize)]);
    const page = viewPage(bytes, 0, length);
    if (page.id !== id) throw new SnapshotCorruptError(`${what}: page ${id} carries the id ${page.id} (misplaced page)`);
    this.remember(id, page);
    return page;
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
