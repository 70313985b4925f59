// Upload/download with end-to-end sha256: bytes go to a temp name, the node hashes what it
// got (sha256sum over exec), and only a matching file is renamed into place. With sudo and
// a non-root login, SFTP cannot write root paths: the file is staged in a private `mktemp -d`
// directory, then copied by root next to the destination (same filesystem, so the final mv
// is an atomic rename), checked there, and moved.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { posix } from 'node:path';
import type { ExecOptions, ExecResult, TransferResult } from '../model/index.js';
import { shellQuote } from '../plan/quote.js';
import type { Lease } from './pool.js';
import { TRANSPORT_CODES, TransportError, describe } from './errors.js';
import { DEFAULT_TUNING, getHashed, putHashed, type StreamTuning } from './sftp-stream.js';
import { withSftp } from './sftp-session.js';

export type RemoteRunner = (node: string, command: string, opts: ExecOptions) => Promise<ExecResult>;

export interface TransferContext {
  node: string;
  user: string;
  lease: () => Promise<Lease>;
  run: RemoteRunner;
  tuning?: StreamTuning;
}

/** $1 tmp, $2 expected sha256, $3 destination, $4 mode or '', $5 staged file or ''. */
const FINALIZE_UPLOAD = [
  'if [ -n "$5" ]; then cp -- "$5" "$1" || { rm -rf -- "${5%/*}"; exit 4; }; rm -rf -- "${5%/*}"; fi',
  's=$(sha256sum < "$1") || { rm -f -- "$1"; exit 4; }; s=${s%% *}',
  'if [ "$s" != "$2" ]; then rm -f -- "$1"; printf %s "$s"; exit 3; fi',
  'if [ -n "$4" ]; then chmod "$4" "$1" || { rm -f -- "$1"; exit 4; }; fi',
  'mv -f -- "$1" "$3" || { rm -f -- "$1"; exit 4; }',
].join('\n');

/** As root: $1 source, $2 staged copy, $3 login user who will read the copy over SFTP. */
const STAGE_DOWNLOAD = 'cp -- "$1" "$2" && chown -- "$3" "$2"';

/** Prints the sha256 of $1. */
const HASH_FILE = 's=$(sha256sum < "$1") || exit 4; printf %s "${s%% *}"';

const LONG = 3_600_000;

function script(body: string, args: string[]): string {
  // The whole line is quoted once more by buildRemoteCommand; here each arg is quoted once.
  return `sh -c ${q(body)} kubedr ${args.map(q).join(' ')}`;
}
// Empty args must stay as '' words, and shellQuote does that.
const q = shellQuote;

async function stageDir(ctx: TransferContext, signal?: AbortSignal): Promise<string> {
  const r = await ctx.run(ctx.node, 'mktemp -d "${TMPDIR:-/tmp}/kubedr.XXXXXXXX"', withSignal({ timeoutMs: 30_000, sudo: false }, signal));
  const dir = r.stdout.trim();
  if (r.exitCode !== 0 || !dir.startsWith('/')) throw failed(ctx.node, `cannot create a staging directory: ${r.stderr.trim()}`);
  return dir;
}

/** Uploads `localPath` to `remotePath` via a temp name; sha256 is checked on the node. */
export async function uploadFile(ctx: TransferContext, localPath: string, remotePath: string, opts: { mode?: number; sudo: boolean; signal?: AbortSignal }): Promise<TransferResult> {
  const started = performance.now();
  const staged = opts.sudo && ctx.user !== 'root';
  const tmp = posix.join(posix.dirname(remotePath), `.${posix.basename(remotePath)}.kubedr-${randomBytes(6).toString('hex')}.tmp`);
  const target = staged ? `${await stageDir(ctx, opts.signal)}/data` : tmp;
  const file = await open(localPath, 'r');
  let sent: { sha256: string; bytes: number };
  try {
    sent = await withSftp(ctx.node, ctx.lease, (sftp) => putHashed(sftp, file, target, ctx.tuning ?? DEFAULT_TUNING, opts.signal)).catch(async (err: unknown) => {
      await ctx.run(ctx.node, `rm -rf -- ${q(staged ? posix.dirname(target) : target)}`, { timeoutMs: 30_000, sudo: false }).catch(() => undefined);
      throw err instanceof TransportError ? err : failed(ctx.node, `upload of ${localPath} to ${remotePath} failed: ${describe(err)}`, err);
    });
  } finally {
    await file.close();
  }
  const mode = opts.mode === undefined ? '' : opts.mode.toString(8);
  const r = await ctx.run(ctx.node, script(FINALIZE_UPLOAD, [tmp, sent.sha256, remotePath, mode, staged ? target : '']), withSignal({ timeoutMs: LONG, sudo: opts.sudo }, opts.signal));
  if (r.exitCode === 3) throw mismatch(ctx.node, remotePath, sent.sha256, r.stdout.trim(), 'temp file removed, destination left untouched');
  if (r.exitCode !== 0) throw failed(ctx.node, `could not put ${remotePath} in place (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return { sha256: sent.sha256, bytes: sent.bytes, durationMs: Math.round(performance.now() - started) };
}

/** Downloads `remotePath` to `localPath` via a local temp name; checked against the node's sha256. */
export async function downloadFile(ctx: TransferContext, remotePath: string, localPath: string, opts: { sudo: boolean; signal?: AbortSignal }): Promise<TransferResult> {
  const started = performance.now();
  const staged = opts.sudo && ctx.user !== 'root' ? `${await stageDir(ctx, opts.signal)}/data` : '';
  const cleanup = async (): Promise<void> => {
    if (staged) await ctx.run(ctx.node, `rm -rf -- ${q(posix.dirname(staged))}`, { timeoutMs: 30_000, sudo: false }).catch(() => undefined);
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
      withSftp(ctx.node, ctx.lease, (sftp) => getHashed(sftp, source, file, ctx.tuning ?? DEFAULT_TUNING, opts.signal)).then(async (r) => {
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

function withSignal(opts: ExecOptions, signal: AbortSignal | undefined): ExecOptions {
  return signal ? { ...opts, signal } : opts;
}

function failed(node: string, message: string, detail?: unknown): TransportError {
  return new TransportError(TRANSPORT_CODES.transferFailed, node, message, { detail });
}

function mismatch(node: string, path: string, local: string, remote: string, after: string): TransportError {
  return new TransportError(TRANSPORT_CODES.checksumMismatch, node, `sha256 mismatch for ${path}: operator side ${local}, node side ${remote || '(none)'}; ${after}`);
}
