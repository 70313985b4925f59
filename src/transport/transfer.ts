// What transfers share (context, errors), and download with end-to-end sha256: SFTP while the
// node hashes its file, then a local temp name renamed into place only on a match. With sudo and
// a non-root login the file is first copied by root into a private `mktemp -d` directory that
// the login user can read. Upload: upload.ts.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { posix } from 'node:path';
import type { ExecOptions, ExecResult, OnTransferProgress, TransferResult } from '../model/index.js';
import { shellQuote } from '../plan/quote.js';
import type { StreamExecResult } from './exec-stream.js';
import type { FileDigests } from './file-digest.js';
import type { Lease } from './pool.js';
import { TRANSPORT_CODES, TransportError, describe } from './errors.js';
import { DEFAULT_TUNING, getHashed, type StreamTuning } from './sftp-stream.js';
import { withSftp } from './sftp-session.js';
import { HASH_FILE, STAGE_DOWNLOAD, script } from './transfer-scripts.js';

export type RemoteRunner = (node: string, command: string, opts: ExecOptions) => Promise<ExecResult>;
/** Runs `command` (sudo applied as for exec) with the whole file as its stdin, then EOF. */
export type RemoteStreamer = (node: string, command: string, source: FileHandle, opts: { sudo: boolean; signal?: AbortSignal; onBytes?: (bytes: number) => void }) => Promise<StreamExecResult>;

export interface TransferContext {
  node: string;
  user: string;
  lease: () => Promise<Lease>;
  run: RemoteRunner;
  stream: RemoteStreamer;
  digests: FileDigests;
  tuning?: StreamTuning;
}

const LONG = 3_600_000;

async function stageDir(ctx: TransferContext, signal?: AbortSignal): Promise<string> {
  const r = await ctx.run(ctx.node, 'mktemp -d "${TMPDIR:-/tmp}/kubedr.XXXXXXXX"', withSignal({ timeoutMs: 30_000, sudo: false }, signal));
  const dir = r.stdout.trim();
  if (r.exitCode !== 0 || !dir.startsWith('/')) throw failed(ctx.node, `cannot create a staging directory: ${r.stderr.trim()}`);
  return dir;
}

/** Downloads `remotePath` to `localPath` via a local temp name; checked against the node's sha256. */
export async function downloadFile(ctx: TransferContext, remotePath: string, localPath: string, opts: { sudo: boolean; signal?: AbortSignal; onProgress?: OnTransferProgress }): Promise<TransferResult> {
  const started = performance.now();
  const staged = opts.sudo && ctx.user !== 'root' ? `${await stageDir(ctx, opts.signal)}/data` : '';
  const cleanup = async (): Promise<void> => {
    if (staged) await ctx.run(ctx.node, `rm -rf -- ${shellQuote(posix.dirname(staged))}`, { timeoutMs: 30_000, sudo: false }).catch(() => undefined);
  };
  try {
    if (staged) {
      const st = await ctx.run(ctx.node, script(STAGE_DOWNLOAD, [remotePath, staged, ctx.user]), withSignal({ timeoutMs: LONG, sudo: true }, opts.signal));
      if (st.exitCode !== 0) throw failed(ctx.node, `cannot read ${remotePath} (exit ${st.exitCode}): ${st.stderr.trim()}`);
    }
    const source = staged || remotePath;
    const tmp = join(dirname(localPath), `.${basename(localPath)}.kubedr-${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(tmp, 'wx', 0o600);
    // The node hashes its file while the bytes travel: one pass of latency instead of two.
    const [hashed, read] = await Promise.allSettled([
      ctx.run(ctx.node, script(HASH_FILE, [source]), withSignal({ timeoutMs: LONG, sudo: opts.sudo && !staged }, opts.signal)),
      withSftp(ctx.node, ctx.lease, (sftp) => getHashed(sftp, source, file, ctx.tuning ?? DEFAULT_TUNING, opts.signal, opts.onProgress)).then(async (r) => {
        await file.sync();
        return r;
      }),
    ]);
    const expected = hashed.status === 'fulfilled' && hashed.value.exitCode === 0 ? hashed.value.stdout.trim() : '';
    if (hashed.status === 'rejected' || read.status === 'rejected' || !/^[0-9a-f]{64}$/.test(expected)) {
      await file.close();
      await unlink(tmp).catch(() => undefined);
      if (hashed.status === 'rejected') throw hashed.reason;
      if (!/^[0-9a-f]{64}$/.test(expected)) throw failed(ctx.node, `cannot read ${remotePath} (exit ${hashed.value.exitCode}): ${hashed.value.stderr.trim()}`);
      const err: unknown = read.status === 'rejected' ? read.reason : undefined;
      throw err instanceof TransportError ? err : failed(ctx.node, `download of ${remotePath} failed: ${describe(err)}`, err);
    }
    const got = read.value;
    await file.close();
    if (got.sha256 !== expected) {
      await unlink(tmp).catch(() => undefined);
      throw mismatch(ctx.node, remotePath, got.sha256, expected, `${localPath} left untouched`);
    }
    await rename(tmp, localPath);
    return { sha256: got.sha256, bytes: got.bytes, durationMs: Math.round(performance.now() - started) };
  } finally {
    await cleanup();
  }
}

export function withSignal<T extends object>(opts: T, signal: AbortSignal | undefined): T & { signal?: AbortSignal } {
  return signal ? { ...opts, signal } : opts;
}

export function failed(node: string, message: string, detail?: unknown): TransportError {
  return new TransportError(TRANSPORT_CODES.transferFailed, node, message, { detail });
}

export function mismatch(node: string, path: string, local: string, remote: string, after: string): TransportError {
  return new TransportError(TRANSPORT_CODES.checksumMismatch, node, `sha256 mismatch for ${path}: operator side ${local}, node side ${remote || '(none)'}; ${after}`);
}
