// Pipelined SFTP get that hashes the bytes on the fly. Like ssh2's fastGet (many requests in
// flight, which is what makes SFTP fast over latency), but every byte passes through sha256 in
// file order, so no second read of the file is needed. (Uploads stream over exec: exec-stream.ts.)
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';

export interface StreamTuning {
  /** Bytes per SFTP request (OpenSSH accepts up to 255 KiB). @default 258048 (252 KiB) */
  chunkSize: number;
  /** Requests in flight. @default 8 (~2 MiB, ssh2's channel window) */
  concurrency: number;
  /** Local writes in flight (1: each write awaited before the next chunk). @default 4 */
  writesInFlight?: number;
}

/**
 * 252 KiB: below what ssh2 sends in one READ to OpenSSH (255 KiB with limits@openssh.com, else
 * 254 KiB; a bigger request is split into sequential halves), and a whole number of pages. Fewer,
 * bigger requests cost less main-thread work per byte than 64 KiB ones. 1 GiB from a lab node,
 * 2 cores at load ~5-6: 64 KiB x 32 with each write awaited 47 MiB/s (2.2x scp's time), this
 * 50-66 MiB/s (1.5x); see the commit for the rounds.
 */
export const DEFAULT_TUNING: StreamTuning = { chunkSize: 252 * 1024, concurrency: 8, writesInFlight: 4 };

/**
 * ssh2 may never call back requests that were pending when the session died, so every call
 * also fails as soon as the session closes (instead of hanging the transfer forever).
 */
const closedOf = new WeakMap<SFTPWrapper, Promise<never>>();
function sessionClosed(sftp: SFTPWrapper): Promise<never> {
  let p = closedOf.get(sftp);
  if (!p) {
    p = new Promise<never>((_, reject) => {
      const gone = (): void => reject(new Error('SFTP session closed'));
      sftp.once('close', gone);
      sftp.once('end', gone);
    });
    p.catch(() => undefined);
    closedOf.set(sftp, p);
  }
  return p;
}

function sftpCall<T>(sftp: SFTPWrapper, fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return Promise.race([new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value)))), sessionClosed(sftp)]);
}

/** Reads `remotePath` into `local` (already open), in order, hashing as it goes. */
export async function getHashed(sftp: SFTPWrapper, remotePath: string, local: FileHandle, tuning: StreamTuning, signal?: AbortSignal, onProgress?: (bytes: number, totalBytes: number) => void): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const handle = await sftpCall<Buffer>(sftp, (cb) => sftp.open(remotePath, 'r', cb));
  try {
    const { size } = await sftpCall<{ size: number }>(sftp, (cb) => sftp.fstat(handle, cb));
    const readAt = (pos: number, len: number): Promise<Buffer> => readFully(sftp, handle, pos, len);
    // A window of reads in flight; results are consumed strictly in order.
    const queue: Promise<Buffer>[] = [];
    let next = 0;
    let written = 0; // bytes hashed and handed to a write, in file order
    const fill = (): void => {
      while (queue.length < tuning.concurrency && next < size) {
        const len = Math.min(tuning.chunkSize, size - next);
        const p = readAt(next, len);
        p.catch(() => undefined);
        queue.push(p);
        next += len;
      }
    };
    // Local writes are positional, so several run at once on the thread pool while the next
    // chunks arrive (awaiting each write before the next chunk made 16k fs round trips per GiB
    // strictly sequential). Bounded, and all settled before we return or throw.
    const maxWrites = Math.max(1, tuning.writesInFlight ?? DEFAULT_TUNING.writesInFlight ?? 1);
    const pending = new Set<Promise<void>>();
    let writeError: { err: unknown } | undefined;
    let stored = 0;
    const settle = async (): Promise<void> => {
      await Promise.race(pending);
      if (writeError) throw writeError.err;
    };
    try {
      fill();
      while (queue.length > 0) {
        signal?.throwIfAborted();
        if (writeError) throw writeError.err;
        const chunk = await (queue.shift() as Promise<Buffer>);
        fill();
        hash.update(chunk);
        const w: Promise<void> = writeFully(local, chunk, written).then(
          () => {
            pending.delete(w);
            stored += chunk.length;
            try {
              onProgress?.(stored, size);
            } catch (err) {
              writeError ??= { err };
            }
          },
          (err: unknown) => {
            pending.delete(w);
            writeError ??= { err };
          },
        );
        pending.add(w);
        written += chunk.length;
        while (pending.size >= maxWrites) await settle();
      }
      while (pending.size > 0) await settle();
    } finally {
      // Never leave a write running against a file the caller is about to close and remove.
      await Promise.all(pending);
    }
    return { sha256: hash.digest('hex'), bytes: written };
  } finally {
    await sftpCall<void>(sftp, (cb) => sftp.close(handle, (err) => cb(err, undefined))).catch(() => undefined);
  }
}

/** A positional write may be short; finish it. */
async function writeFully(local: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let off = 0; off < buf.length; ) {
    const { bytesWritten } = await local.write(buf, off, buf.length - off, position + off);
    if (bytesWritten <= 0) throw new Error(`short write at ${position + off}`);
    off += bytesWritten;
  }
}

/** SFTP reads may return fewer bytes than asked; keep reading until `len` or end of file. */
async function readFully(sftp: SFTPWrapper, handle: Buffer, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = await sftpCall<number>(sftp, (cb) => sftp.read(handle, buf, got, len - got, pos + got, (err, bytesRead) => cb(err, bytesRead)));
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
