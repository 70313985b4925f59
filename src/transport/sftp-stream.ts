// Pipelined SFTP get that hashes the bytes on the fly. Like ssh2's fastGet (many requests in
// flight, which is what makes SFTP fast over latency), but every byte passes through sha256 in
// file order, so no second read of the file is needed. (Uploads stream over exec: exec-stream.ts.)
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';

export interface StreamTuning {
  /** Bytes per SFTP request (OpenSSH accepts up to 255 KiB). @default 65536 */
  chunkSize: number;
  /** Requests in flight. @default 32 */
  concurrency: number;
}

export const DEFAULT_TUNING: StreamTuning = { chunkSize: 64 * 1024, concurrency: 32 };

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
    let written = 0;
    const fill = (): void => {
      while (queue.length < tuning.concurrency && next < size) {
        const len = Math.min(tuning.chunkSize, size - next);
        const p = readAt(next, len);
        p.catch(() => undefined);
        queue.push(p);
        next += len;
      }
    };
    fill();
    while (queue.length > 0) {
      signal?.throwIfAborted();
      const chunk = await (queue.shift() as Promise<Buffer>);
      fill();
      hash.update(chunk);
      await local.write(chunk, 0, chunk.length, written);
      written += chunk.length;
      onProgress?.(written, size);
    }
    return { sha256: hash.digest('hex'), bytes: written };
  } finally {
    await sftpCall<void>(sftp, (cb) => sftp.close(handle, (err) => cb(err, undefined))).catch(() => undefined);
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
