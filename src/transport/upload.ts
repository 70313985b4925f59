// Upload with end-to-end sha256: the file is streamed as the stdin of a receiver (`cat` into a
// temp name next to the destination; as root through sudo when asked, so no staging copy),
// then the node hashes the file it holds and only a match is renamed into place.
//  - small files: hashed here first, then ONE command receives, checks and renames (a node
//    round trip is what a small upload costs);
//  - big files: hashed on a worker thread while they stream (once per file version for all
//    nodes), then a second command checks and renames.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { TransferResult } from '../model/index.js';
import { shellQuote } from '../plan/quote.js';
import type { StreamExecResult } from './exec-stream.js';
import type { FileDigest } from './file-digest.js';
import { TransportError, describe } from './errors.js';
import { failed, mismatch, withSignal, type TransferContext } from './transfer.js';
import { FINALIZE_UPLOAD, RECEIVE_AND_FINALIZE, RECEIVE_UPLOAD, script } from './transfer-scripts.js';

/** Up to this size a file is hashed before it is sent (~25 ms here, less than a round trip). */
export const SMALL_UPLOAD = 32 * 1024 * 1024;

const LONG = 3_600_000;

export interface UploadOptions {
  mode?: number;
  sudo: boolean;
  signal?: AbortSignal;
  /** Bytes sent so far and the file's size. */
  onProgress?: (bytes: number, totalBytes: number) => void;
}

/** Uploads `localPath` to `remotePath` via a temp name; sha256 is checked on the node. */
export async function uploadFile(ctx: TransferContext, localPath: string, remotePath: string, opts: UploadOptions): Promise<TransferResult> {
  const started = performance.now();
  const tmp = posix.join(posix.dirname(remotePath), `.${posix.basename(remotePath)}.kubedr-${randomBytes(6).toString('hex')}.tmp`);
  const mode = opts.mode === undefined ? '' : opts.mode.toString(8);
  const file = await open(localPath, 'r');
  let size: number;
  let digest: Promise<FileDigest>;
  let sent: StreamExecResult;
  try {
    size = (await file.stat()).size;
    digest = ctx.digests.of(localPath);
    digest.catch(() => undefined); // awaited below; not "unhandled" meanwhile
    const small = size <= SMALL_UPLOAD;
    const sha256 = small ? (await digest.catch((err: unknown) => Promise.reject(hashFailed(ctx, localPath, err)))).sha256 : '';
    const args = [tmp, String(size), sha256, remotePath, mode];
    const onBytes = opts.onProgress ? (bytes: number): void => opts.onProgress?.(bytes, size) : undefined;
    sent = await ctx.stream(ctx.node, script(small ? RECEIVE_AND_FINALIZE : RECEIVE_UPLOAD, args), file, withSignal({ sudo: opts.sudo, ...(onBytes ? { onBytes } : {}) }, opts.signal));
    if (small) return done(ctx, remotePath, sent, sha256, started);
  } catch (err) {
    await removeTemp(ctx, tmp, opts.sudo);
    throw err instanceof TransportError ? err : failed(ctx.node, `upload of ${localPath} to ${remotePath} failed: ${describe(err)}`, err);
  } finally {
    await file.close();
  }
  // Big file: received (the receiver removed its temp file itself on any failure); now check.
  if (sent.exitCode !== 0) throw failed(ctx.node, `could not write ${remotePath} (exit ${sent.exitCode}): ${sent.stderr.trim()}`);
  const expected = await digest.catch(async (err: unknown) => {
    await removeTemp(ctx, tmp, opts.sudo);
    throw hashFailed(ctx, localPath, err);
  });
  const r = await ctx.run(ctx.node, script(FINALIZE_UPLOAD, [tmp, String(size), expected.sha256, remotePath, mode]), withSignal({ timeoutMs: LONG, sudo: opts.sudo }, opts.signal)).catch(async (err: unknown) => {
    // Aborted or cut while hashing: the script may not have reached its own clean-up.
    await removeTemp(ctx, tmp, opts.sudo);
    throw err;
  });
  return done(ctx, remotePath, { ...r, bytes: sent.bytes }, expected.sha256, started);
}

function done(ctx: TransferContext, remotePath: string, r: { exitCode: number; stdout: string; stderr: string; bytes: number }, sha256: string, started: number): TransferResult {
  if (r.exitCode === 3) throw mismatch(ctx.node, remotePath, sha256, r.stdout.trim(), 'temp file removed, destination left untouched');
  if (r.exitCode !== 0) throw failed(ctx.node, `could not put ${remotePath} in place (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return { sha256, bytes: r.bytes, durationMs: Math.round(performance.now() - started) };
}

/** Best effort, also after an abort (so no signal): the scripts normally removed it already. */
function removeTemp(ctx: TransferContext, tmp: string, sudo: boolean): Promise<unknown> {
  return ctx.run(ctx.node, `rm -f -- ${shellQuote(tmp)}`, { timeoutMs: 30_000, sudo }).catch(() => undefined);
}

function hashFailed(ctx: TransferContext, localPath: string, err: unknown): TransportError {
  return failed(ctx.node, `could not hash ${localPath}: ${describe(err)}`, err);
}
