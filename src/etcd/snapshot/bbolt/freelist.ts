// The freelist page lists pages that no tree uses. Reading it lets the page accounting prove
// that nothing is lost; databases written with NoFreelistSync have none (pgid = 2^64-1).
import type { PageAccount } from './account.js';
import { expectType, type PageReader } from './pages.js';
import { PAGE_HEADER_SIZE, PageFlag, readU64 } from './page.js';
import { SnapshotCorruptError } from '../errors.js';

const NO_FREELIST = 2 ** 64 - 1;
const COUNT_OVERFLOW = 0xffff;

/** Marks the freelist page and every page it lists; returns false when the file has no freelist. */
export function accountFreelist(pages: PageReader, freelistPgid: number, account: PageAccount): boolean {
  if (freelistPgid >= NO_FREELIST) return false;
  const what = 'freelist';
  const page = pages.read(freelistPgid, what);
  expectType(page, PageFlag.freelist, what);
  account.use(freelistPgid, page.overflow, what);
  let count = page.count;
  let at = page.base + PAGE_HEADER_SIZE;
  // bbolt stores counts ≥ 0xFFFF in the first id slot instead of the u16 header field.
  if (count === COUNT_OVERFLOW) {
    count = readU64(page.buf, at);
    at += 8;
  }
  if (at + count * 8 > page.end) throw new SnapshotCorruptError(`freelist: ${count} ids do not fit in its ${page.overflow + 1} page(s)`);
  for (let i = 0; i < count; i++) account.free(readU64(page.buf, at + i * 8));
  return true;
}
