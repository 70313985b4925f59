// getHashed against an in-memory SFTP server and local file: bytes and sha256 in file order,
// local writes pipelined (several in flight, never more than asked), and a failing write fails
// the read only once no write is still running against the file.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { getHashed } from '../../src/transport/sftp-stream.js';

type Cb = (err: Error | undefined, ...rest: unknown[]) => void;

/** Serves `data`; reads answer on a later turn, some of them short (at most 5000 bytes). */
function fakeSftp(data: Buffer): SFTPWrapper {
  const e = new EventEmitter();
  let n = 0;
  return Object.assign(e, {
    open: (_p: string, _f: string, cb: Cb) => setImmediate(() => cb(undefined, Buffer.from('h'))),
    fstat: (_h: Buffer, cb: Cb) => setImmediate(() => cb(undefined, { size: data.length })),
    close: (_h: Buffer, cb: Cb) => setImmediate(() => cb(undefined)),
    read: (_h: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: Cb) => {
      const take = ++n % 3 === 0 ? Math.min(len, 5000) : len;
      const got = data.copy(buf, off, pos, Math.min(pos + take, data.length));
      setImmediate(() => cb(undefined, got));
    },
  }) as unknown as SFTPWrapper;
}

/** A local file in memory whose writes finish on a later turn; counts the writes in flight. */
function fakeFile(size: number, failAt = -1): { fh: FileHandle; out: Buffer; stats: { inFlight: number; maxInFlight: number; writes: number } } {
  const out = Buffer.alloc(size);
  const stats = { inFlight: 0, maxInFlight: 0, writes: 0 };
  const fh = {
    write: (buf: Buffer, off: number, len: number, pos: number) => {
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      const i = stats.writes++;
      return new Promise((resolve, reject) => {
        setImmediate(() => {
          stats.inFlight--;
          if (i === failAt) return reject(new Error('ENOSPC: no space left on device'));
          buf.copy(out, pos, off, off + len);
          resolve({ bytesWritten: len, buffer: buf });
        });
      });
    },
  } as unknown as FileHandle;
  return { fh, out, stats };
}

describe('getHashed', () => {
  const data = randomBytes(40 * 16 * 1024 + 123);
  const sha = createHash('sha256').update(data).digest('hex');

  it('writes every byte in place, hashes in file order, keeps up to writesInFlight writes running', async () => {
    const { fh, out, stats } = fakeFile(data.length);
    const progress: number[] = [];
    const r = await getHashed(fakeSftp(data), '/x', fh, { chunkSize: 16 * 1024, concurrency: 8, writesInFlight: 3 }, undefined, (b) => progress.push(b));
    expect(r).toEqual({ sha256: sha, bytes: data.length });
    expect(out.equals(data)).toBe(true);
    expect(stats.maxInFlight).toBe(3);
    expect(progress.at(-1)).toBe(data.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('writesInFlight 1 awaits each write', async () => {
    const { fh, out, stats } = fakeFile(data.length);
    const r = await getHashed(fakeSftp(data), '/x', fh, { chunkSize: 16 * 1024, concurrency: 8, writesInFlight: 1 });
    expect(r.sha256).toBe(sha);
    expect(out.equals(data)).toBe(true);
    expect(stats.maxInFlight).toBe(1);
  });

  it('a failed write fails the read, after every other write has finished', async () => {
    const { fh, out, stats } = fakeFile(data.length, 5);
    const err = await getHashed(fakeSftp(data), '/x', fh, { chunkSize: 16 * 1024, concurrency: 8, writesInFlight: 4 }).catch((e: unknown) => e);
    expect(String(err)).toContain('ENOSPC');
    expect(stats.inFlight).toBe(0);
    // It stopped: the file was not written to its end.
    expect(out.equals(data)).toBe(false);
  });

  it('an abort stops the read, with no write left running', async () => {
    const { fh, out, stats } = fakeFile(data.length);
    const ac = new AbortController();
    const err = await getHashed(fakeSftp(data), '/x', fh, { chunkSize: 16 * 1024, concurrency: 8, writesInFlight: 4 }, ac.signal, (b) => {
      if (b > data.length / 4) ac.abort();
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(stats.inFlight).toBe(0);
    expect(out.equals(data)).toBe(false);
  });
});
