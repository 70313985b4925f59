import { describe, expect, it } from 'vitest';
import { bufferSource, inspectSource, type SnapshotErrorCode } from '../../../src/etcd/snapshot/index.js';
import { expectedOf, fixtureBytes } from './fixtures.js';
import { bucketRoot, PAGE, patchMeta, reachablePages, rootPgid, writeFreelist } from './mutate.js';

const expected = expectedOf('cluster-a');
/** The fixture's raw database (no sha256 trailer), so edits are judged structurally. */
const raw = () => Buffer.from(fixtureBytes('cluster-a').subarray(0, expected.status.totalSize));

function failure(db: Buffer): { code: SnapshotErrorCode; message: string } {
  try {
    inspectSource(bufferSource(db));
  } catch (err) {
    return err as { code: SnapshotErrorCode; message: string };
  }
  throw new Error('expected the inspection to fail');
}

describe('bbolt meta pages', () => {
  it('falls back to meta page 1 when meta page 0 is damaged', () => {
    const db = raw();
    db.writeUInt32LE(0, 16);
    expect(inspectSource(bufferSource(db)).revision).toBe(expected.status.revision);
  });

  it('refuses a file where both meta pages fail their checksum', () => {
    const db = raw();
    db[16 + 20]! ^= 1;
    db[PAGE + 16 + 20]! ^= 1;
    expect(failure(db)).toMatchObject({ code: 'SNAPSHOT_CORRUPT', message: expect.stringMatching(/both meta pages are invalid \(page 0: checksum; page 1 at page size 4096: checksum\)/) as string });
  });

  it('calls a file without the bbolt magic not a bbolt database', () => {
    expect(failure(Buffer.alloc(8192, 7)).code).toBe('SNAPSHOT_NOT_BBOLT');
    expect(failure(Buffer.from('{"not":"bolt"}'.padEnd(200))).code).toBe('SNAPSHOT_NOT_BBOLT');
  });

  it('rejects an impossible page size even with a valid checksum', () => {
    const db = raw();
    patchMeta(db, { pageSize: 1000 });
    expect(failure(db).code).toBe('SNAPSHOT_BAD_PAGE_SIZE');
  });

  it('reports a file shorter than its declared page count as truncated', () => {
    const db = raw();
    patchMeta(db, { pageCount: 21 });
    expect(failure(db)).toMatchObject({ code: 'SNAPSHOT_TRUNCATED', message: expect.stringContaining('needs 86016 bytes') as string });
  });
});

describe('bbolt page graph', () => {
  const branch = () => {
    const db = raw();
    const id = bucketRoot(db, 'key');
    expect(db.readUInt16LE(id * PAGE + 8)).toBe(0x01);
    return { db, id, child: (i: number) => id * PAGE + 16 + i * 16 + 8 };
  };

  it('detects a cycle (a branch page pointing at itself) instead of hanging', () => {
    const { db, id, child } = branch();
    db.writeBigUInt64LE(BigInt(id), child(1));
    expect(failure(db)).toMatchObject({ code: 'SNAPSHOT_CORRUPT', message: expect.stringContaining(`page ${id} is referenced twice`) as string });
  });

  it.each([
    ['past the last page', 99n],
    ['a meta page', 1n],
    ['beyond 2^53', 2n ** 60n],
  ])('rejects a child page id %s', (_, pgid) => {
    const { db, child } = branch();
    db.writeBigUInt64LE(pgid, child(0));
    expect(failure(db)).toMatchObject({ code: 'SNAPSHOT_CORRUPT', message: expect.stringContaining('out of range') as string });
  });

  it('rejects a page of the wrong type and a misplaced page', () => {
    const { db, id } = branch();
    db.writeUInt16LE(0x20, id * PAGE + 8);
    expect(failure(db).message).toContain('is not a branch or leaf page');
    const db2 = raw();
    db2.writeUInt32LE(3, bucketRoot(db2, 'key') * PAGE);
    expect(failure(db2).message).toContain('misplaced page');
  });

  it('stops at a chain of branch pages deeper than any real tree (no stack overflow)', () => {
    const original = raw();
    const keyRoot = bucketRoot(original, 'key');
    const chain = 40;
    const db = Buffer.concat([original, Buffer.alloc(chain * PAGE)]);
    const first = original.length / PAGE;
    for (let i = 0; i < chain; i++) {
      // Page first+i: a branch with one element whose child is the next page (the last: the real root).
      const at = (first + i) * PAGE;
      db.writeBigUInt64LE(BigInt(first + i), at);
      db.writeUInt16LE(0x01, at + 8);
      db.writeUInt16LE(1, at + 10);
      db.writeUInt32LE(16, at + 16);
      db.writeUInt32LE(1, at + 20);
      db.writeBigUInt64LE(BigInt(i === chain - 1 ? keyRoot : first + i + 1), at + 24);
    }
    // Point the "key" bucket at the head of the chain and grow the page count.
    const rootAt = rootPgid(db) * PAGE;
    const pos = db.indexOf(Buffer.from('key'), rootAt) + 3;
    expect(db.readBigUInt64LE(pos)).toBe(BigInt(keyRoot));
    db.writeBigUInt64LE(BigInt(first), pos);
    patchMeta(db, { pageCount: first + chain });
    expect(failure(db).message).toMatch(/tree deeper than 32 levels/);
  });

  it('rejects an element count that cannot fit in the page', () => {
    const { db, id } = branch();
    db.writeUInt16LE(5000, id * PAGE + 10);
    expect(failure(db).message).toContain('claims 5000 elements');
  });
});

describe('bbolt freelist accounting', () => {
  const setup = () => {
    const db = raw();
    const used = reachablePages(db);
    const free = [...Array(expected.status.totalSize / PAGE).keys()].filter((p) => !used.has(p));
    const [at, ...rest] = free;
    return { db, at: at!, rest };
  };

  it('accepts a freelist that accounts for every unreachable page (both count encodings)', () => {
    for (const wide of [false, true]) {
      const { db, at, rest } = setup();
      writeFreelist(db, at, rest, wide);
      expect(inspectSource(bufferSource(db)).totalKeys).toBe(expected.status.totalKey);
    }
  });

  it('reports pages that are neither reachable nor free', () => {
    const { db, at, rest } = setup();
    writeFreelist(db, at, rest.slice(1));
    expect(failure(db).message).toContain(`1 page(s) are neither reachable nor free (first: ${rest[0]})`);
  });

  it('reports a page that is both free and in use', () => {
    const { db, at, rest } = setup();
    writeFreelist(db, at, [...rest, bucketRoot(db, 'key')]);
    expect(failure(db).message).toContain('listed twice or also in use');
  });
});
