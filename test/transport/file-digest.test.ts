// Local digests for uploads: right on both paths (here and on a worker thread), computed once
// per file version, recomputed when the file changes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileDigests, hashFile } from '../../src/transport/file-digest.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('hashFile', () => {
  it.each([
    ['here', Infinity],
    ['on a worker thread', 0],
  ])('hashes %s: empty, sub-chunk and multi-chunk files', async (_, workerFrom) => {
    for (const data of [Buffer.alloc(0), randomBytes(1000), randomBytes(3 * 1024 * 1024 + 17)]) {
      const f = join(dir, `f${data.length}`);
      writeFileSync(f, data);
      expect(await hashFile(f, workerFrom)).toEqual({ sha256: sha(data), bytes: data.length });
    }
  });

  it('rejects for a missing file, on both paths', async () => {
    await expect(hashFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    writeFileSync(join(dir, 'gone-soon'), 'x');
    const p = hashFile(join(dir, 'gone-soon'), 0);
    await expect(p).resolves.toMatchObject({ bytes: 1 });
  });
});

describe('FileDigests', () => {
  it('hashes a file version once for every caller (parallel uploads of one snapshot)', async () => {
    const f = join(dir, 'snap');
    writeFileSync(f, randomBytes(100_000));
    const d = new FileDigests();
    const all = await Promise.all([d.of(f), d.of(f), d.of(f)]);
    expect(all[1]).toBe(all[0]);
    expect(all[2]).toBe(all[0]);
    expect(await d.of(f)).toBe(all[0]);
  });

  it('hashes again once the file changed (even with the same size)', async () => {
    const f = join(dir, 'changing');
    writeFileSync(f, 'aaaa');
    const d = new FileDigests();
    expect((await d.of(f)).sha256).toBe(sha('aaaa'));
    writeFileSync(f, 'bbbb');
    // Same size, and maybe the same mtime tick: only the content tells; set an mtime that differs.
    utimesSync(f, new Date(2001, 0, 1), new Date(2001, 0, 1));
    expect((await d.of(f)).sha256).toBe(sha('bbbb'));
  });

  it('keeps only the last few versions', async () => {
    const d = new FileDigests(2);
    const files = ['k1', 'k2', 'k3'].map((name) => {
      writeFileSync(join(dir, name), name);
      return join(dir, name);
    });
    const first = await d.of(files[0] as string);
    await d.of(files[1] as string);
    await d.of(files[2] as string);
    const again = await d.of(files[0] as string);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });
});
