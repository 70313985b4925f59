// Address blocks: distinct per lab, reclaimed when their lab is gone, released only by their owner.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimBlock, releaseBlock } from './alloc.js';

let dir: string;
let locks: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubedr-alloc-test-'));
  locks = join(dir, 'locks');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function labRoot(name: string): string {
  const root = join(dir, name);
  mkdirSync(root);
  return root;
}

describe('claimBlock', () => {
  it('gives every live lab its own block in 100–199', () => {
    const blocks = Array.from({ length: 20 }, (_, i) => claimBlock(`lab${i}`, labRoot(`lab${i}`), locks));
    expect(new Set(blocks).size).toBe(20);
    for (const b of blocks) expect(b).toBeGreaterThanOrEqual(100);
    for (const b of blocks) expect(b).toBeLessThanOrEqual(199);
  });

  it('fails with a clear message when every block is taken', () => {
    for (let i = 0; i < 100; i++) claimBlock(`lab${i}`, labRoot(`lab${i}`), locks);
    expect(() => claimBlock('one-more', labRoot('one-more'), locks)).toThrow(/no free 127\.X\.0\.0\/16 block/);
  });

  it('reclaims the block of a lab whose root is gone', () => {
    const blocks = Array.from({ length: 100 }, (_, i) => claimBlock(`lab${i}`, labRoot(`lab${i}`), locks));
    rmSync(join(dir, 'lab7'), { recursive: true });
    expect(claimBlock('new', labRoot('new'), locks)).toBe(blocks[7]);
    expect(readdirSync(locks)).toHaveLength(100);
  });
});

describe('releaseBlock', () => {
  it('releases only when the caller still owns the block', () => {
    const block = claimBlock('a', labRoot('a'), locks);
    releaseBlock(block, 'someone-else', locks);
    expect(readdirSync(locks)).toEqual([`127.${block}`]);
    releaseBlock(block, 'a', locks);
    expect(readdirSync(locks)).toEqual([]);
  });
});
