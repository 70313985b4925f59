// `local` steps: the same Transport shape on the operator machine, through zx. The node name
// is only used in messages; files are copied with the same temp-name + sha256 + rename rule.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type * as Zx from 'zx';
import type { ExecOptions, ExecResult, OnTransferProgress, Transport, TransferResult } from '../model/index.js';
import { TRANSPORT_CODES, TransportError, describe, startTimeout } from './errors.js';
import { hashFile } from './file-digest.js';

/** Runs commands with `sh -c` on this machine; `sudo` means `sudo -n` (never prompts). */
export function createLocalTransport(opts: { cwd?: string } = {}): Transport {
  return {
    exec: (node, command, o) => execLocal(node, command, o, opts.cwd),
    upload: (node, from, to, o) => copyVerified(node, from, to, o),
    download: (node, from, to, o) => copyVerified(node, from, to, o),
    close: () => Promise.resolve(),
  };
}

// zx takes ~0.6 s to import on a loaded 2-core machine (half of `kubedr`'s start-up, bench/README.md):
// load it with the first local step instead of on every start.
let zx: Promise<typeof Zx> | undefined;
const loadZx = (): Promise<typeof Zx> => (zx ??= import('zx'));

async function execLocal(node: string, command: string, o: ExecOptions, cwd: string | undefined): Promise<ExecResult> {
  const started = performance.now();
  const { $ } = await loadZx();
  const $$ = $({ quiet: true, verbose: false, nothrow: true, detached: true, input: o.stdin ?? '', ...(cwd ? { cwd } : {}) });
  const p = o.sudo ? $$`sudo -n -- sh -c ${command}` : $$`sh -c ${command}`;
  // Decoders keep a multi-byte character split across chunks intact.
  const out = new StringDecoder('utf8');
  const err = new StringDecoder('utf8');
  p.stdout.on('data', (c: Buffer) => o.onStdout?.(out.write(c)));
  p.stderr.on('data', (c: Buffer) => o.onStderr?.(err.write(c)));
  let stopped: TransportError | undefined;
  const stop = (err: TransportError): void => {
    stopped ??= err;
    void p.kill('SIGTERM').catch(() => undefined);
  };
  const timer = startTimeout(o.timeoutMs, () => stop(new TransportError(TRANSPORT_CODES.timeout, node, `local command exceeded its timeout of ${o.timeoutMs} ms and was killed`, { failure: 'timeout' })));
  const onAbort = (): void => stop(new TransportError(TRANSPORT_CODES.aborted, node, 'local command aborted by the operator and killed'));
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const output = await p;
    if (stopped) throw stopped;
    const result: ExecResult = {
      exitCode: output.exitCode ?? 128,
      stdout: output.stdout,
      stderr: output.stderr,
      durationMs: Math.round(performance.now() - started),
    };
    if (output.signal) result.signal = output.signal;
    return result;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

async function copyVerified(node: string, from: string, to: string, o: { mode?: number; sudo: boolean; signal?: AbortSignal; onProgress?: OnTransferProgress }): Promise<TransferResult> {
  if (o.sudo) throw new TransportError(TRANSPORT_CODES.transferFailed, node, 'file transfers with sudo are not supported on the local transport', { hint: 'run the step as the operator user, or copy with a local command' });
  const started = performance.now();
  const tmp = join(dirname(to), `.${basename(to)}.kubedr-${randomBytes(6).toString('hex')}.tmp`);
  const src = await open(from, 'r');
  const dst = await open(tmp, 'wx', 0o600);
  const sent = createHash('sha256');
  let bytes = 0;
  try {
    const total = (await src.stat()).size;
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      o.signal?.throwIfAborted();
      const { bytesRead } = await src.read(buf, 0, buf.length, bytes);
      if (bytesRead === 0) break;
      sent.update(buf.subarray(0, bytesRead));
      await dst.write(buf, 0, bytesRead, bytes);
      bytes += bytesRead;
      o.onProgress?.(bytes, total);
    }
    await dst.sync();
  } catch (err) {
    await dst.close();
    await unlink(tmp).catch(() => undefined);
    throw new TransportError(TRANSPORT_CODES.transferFailed, node, `copy of ${from} to ${to} failed: ${describe(err)}`, { detail: err });
  } finally {
    await src.close();
  }
  await dst.close();
  // Re-reads what landed on disk, so a bad write is caught like a bad transfer.
  const written = (await hashFile(tmp)).sha256;
  const sha256 = sent.digest('hex');
  if (written !== sha256) {
    await unlink(tmp).catch(() => undefined);
    throw new TransportError(TRANSPORT_CODES.checksumMismatch, node, `sha256 mismatch copying ${from} to ${to}: ${sha256} vs ${written}; destination left untouched`);
  }
  if (o.mode !== undefined) await chmod(tmp, o.mode);
  await rename(tmp, to);
  return { sha256, bytes, durationMs: Math.round(performance.now() - started) };
}

