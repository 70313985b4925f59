// Fuzz-style robustness: flip bytes at many offsets and truncate at many lengths of a real
// etcd snapshot. Every outcome must be success or a coded SnapshotError; never a crash, a
// RangeError slipping through a missed bounds check, or a hang (vitest's timeout guards that).
import { describe, expect, it } from 'vitest';
import { bufferSource, inspectSource, SnapshotError, type SnapshotErrorCode } from '../../../src/etcd/snapshot/index.js';
import { fixtureBytes } from './fixtures.js';
import { PAGE } from './mutate.js';

const original = fixtureBytes('cluster-a');

type Outcome = 'ok' | SnapshotErrorCode;

function outcomeOf(bytes: Buffer, skipHashCheck: boolean): Outcome {
  try {
    inspectSource(bufferSource(bytes), { skipHashCheck });
    return 'ok';
  } catch (err) {
    if (!(err instanceof SnapshotError)) throw err;
    // A coded error built from a RangeError means a bounds check is missing: fail loudly.
    if (err.cause instanceof RangeError) throw err;
    return err.code;
  }
}

/** Offsets: a stride over the whole file, plus every byte of both meta pages' bodies and of every page header. */
function flipOffsets(stride: number): number[] {
  const offsets = new Set<number>();
  for (let at = 0; at < original.length; at += stride) offsets.add(at);
  for (const meta of [0, PAGE]) for (let i = 0; i < 80; i++) offsets.add(meta + i);
  for (let page = 2; page * PAGE < original.length - 32; page++) for (let i = 0; i < 32; i++) offsets.add(page * PAGE + i);
  for (let i = 1; i <= 32; i++) offsets.add(original.length - i);
  return [...offsets].sort((a, b) => a - b);
}

function flipped(at: number, mask: number): Buffer {
  const copy = Buffer.from(original);
  copy[at]! ^= mask;
  return copy;
}

function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

describe('flipped bytes', () => {
  it('are always caught by the appended sha256', () => {
    const outcomes = flipOffsets(397).map((at) => outcomeOf(flipped(at, 0x01), false));
    expect(outcomes.length).toBeGreaterThan(700);
    expect(tally(outcomes)).toEqual({ SNAPSHOT_HASH_MISMATCH: outcomes.length });
  });

  it('without the hash check, give success or a coded structural error, never a crash', () => {
    const outcomes = flipOffsets(89).flatMap((at, i) => outcomeOf(flipped(at, [0x01, 0x80, 0xff][i % 3]!), true));
    expect(outcomes.length).toBeGreaterThan(1500);
    const counts = tally(outcomes);
    const allowed = new Set(['ok', 'SNAPSHOT_CORRUPT', 'SNAPSHOT_TRUNCATED', 'SNAPSHOT_NOT_BBOLT', 'SNAPSHOT_BAD_PAGE_SIZE', 'SNAPSHOT_NOT_ETCD']);
    expect(Object.keys(counts).filter((c) => !allowed.has(c))).toEqual([]);
    // The structure check must actually catch damage: flipped page headers are never silently ok.
    expect(counts.SNAPSHOT_CORRUPT ?? 0).toBeGreaterThan(outcomes.length / 10);
  });
});

describe('truncated files', () => {
  const lengths = new Set<number>([0, 1, 15, 16, 79, 80, 81, PAGE, PAGE + 80, 2 * PAGE, original.length - 33, original.length - 31, original.length - 1]);
  for (let n = 0; n < original.length; n += 97) lengths.add(n);

  it(`never crash and never pass as a complete snapshot (${lengths.size} lengths)`, () => {
    const counts = tally([...lengths].map((n) => outcomeOf(original.subarray(0, n), false)));
    expect(Object.keys(counts).sort()).toEqual(expect.arrayContaining(['SNAPSHOT_TRUNCATED']));
    expect(Object.keys(counts).filter((c) => !['SNAPSHOT_TRUNCATED', 'SNAPSHOT_NOT_BBOLT', 'SNAPSHOT_HASH_MISMATCH'].includes(c))).toEqual([]);
  });

  it('cut exactly at the trailer is a valid raw database copy (hash "absent")', () => {
    expect(inspectSource(bufferSource(original.subarray(0, original.length - 32))).integrity.verdict).toBe('absent');
  });
});
