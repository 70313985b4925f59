// Page accounting, as bbolt's tx.Check does it: every page below the high-water mark must be
// used exactly once, either by a tree/meta/freelist or as a free page. A second reference to
// a page is how a cycle shows up, so marking pages is also what makes every walk terminate.
import { SnapshotCorruptError } from '../errors.js';

const UNSEEN = 0;
const USED = 1;
const FREE = 2;

export class PageAccount {
  private readonly state: Uint8Array;

  constructor(readonly pageCount: number) {
    // One byte per page: 256 KiB for a 1 GiB database of 4 KiB pages.
    this.state = new Uint8Array(pageCount);
  }

  /** Marks a page and its overflow as used; throws on a second reference (cycle or shared page). */
  use(id: number, overflow: number, what: string): void {
    for (let p = id; p <= id + overflow; p++) {
      if (this.state[p] !== UNSEEN) {
        const how = this.state[p] === FREE ? 'is both free and in use' : 'is referenced twice (cycle or shared page)';
        throw new SnapshotCorruptError(`${what}: page ${p} ${how}`);
      }
      this.state[p] = USED;
    }
  }

  /** Marks a page listed in the freelist. */
  free(id: number): void {
    if (!Number.isSafeInteger(id) || id < 2 || id >= this.pageCount) {
      throw new SnapshotCorruptError(`freelist: page id ${id} is out of range (2..${this.pageCount - 1})`);
    }
    if (this.state[id] !== UNSEEN) throw new SnapshotCorruptError(`freelist: page ${id} is listed twice or also in use`);
    this.state[id] = FREE;
  }

  /** Throws if some page is neither used nor free (bbolt: "unreachable unfreed"). */
  checkComplete(): void {
    const lost: number[] = [];
    for (let p = 0; p < this.pageCount; p++) {
      if (this.state[p] === UNSEEN) lost.push(p);
    }
    if (lost.length > 0) {
      throw new SnapshotCorruptError(`${lost.length} page(s) are neither reachable nor free (first: ${lost.slice(0, 5).join(', ')})`);
    }
  }
}
