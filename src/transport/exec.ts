// Runs one command on a leased connection and tells its outcomes apart: an exit code (any
// value) is a result; a dropped connection, a timeout or an abort is a TransportError.
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { ExecResult } from '../model/index.js';
import { frameStdin } from './command.js';
import type { Lease } from './pool.js';
import { TRANSPORT_CODES, TransportError, channelError, redact, startTimeout } from './errors.js';

export interface RawExecOptions {
  /** The command's stdin; never logged. */
  stdin?: string | undefined;
  /** Read before the framed stdin, by sudo -S (the password line). */
  stdinPrefix?: string | undefined;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onStdout?: ((chunk: string) => void) | undefined;
  onStderr?: ((chunk: string) => void) | undefined;
  /** Removed from stdout/stderr and from any error text (stdin is kept out of error text too). */
  secrets: readonly string[];
}

/** After TERM, how long the remote side gets before we close the channel. */
const KILL_GRACE_MS = 2500;

/**
 * Executes `remoteCommand` (already wrapped and quoted) over the lease's connection. Owns the
 * lease: releases it when the channel is really closed (a killed command keeps its channel for
 * a grace period, and must keep counting against the connection's channel cap meanwhile).
 */
export async function execOnLease(node: string, lease: Lease, remoteCommand: string, opts: RawExecOptions): Promise<ExecResult> {
  const started = performance.now();
  let channel: ClientChannel;
  try {
    channel = await openExecChannel(node, lease, remoteCommand, [...opts.secrets, opts.stdin ?? '']);
  } catch (err) {
    lease.release();
    throw err;
  }
  return new Promise<ExecResult>((resolve, reject) => {
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    let stdout = '';
    let stderr = '';
    let exitCode: number | undefined;
    let exitSignal: string | undefined;
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const stop = (error: TransportError): void => {
      // EOF on the wrapper's stdin makes it kill its process group (see GROUP_WRAPPER);
      // the signal request helps where sshd honours it (non-root logins). Then close.
      channel.end();
      sendSignal(channel, 'TERM');
      finish(() => reject(error));
      setTimeout(() => channel.close(), KILL_GRACE_MS).unref();
    };
    const onData = (chunk: Buffer, decoder: StringDecoder, isErr: boolean): void => {
      const text = decoder.write(chunk);
      if (isErr) {
        stderr += text;
        opts.onStderr?.(redact(text, opts.secrets));
      } else {
        stdout += text;
        opts.onStdout?.(redact(text, opts.secrets));
      }
    };
    const timer = startTimeout(opts.timeoutMs, () =>
      stop(new TransportError(TRANSPORT_CODES.timeout, node, `command exceeded its timeout of ${opts.timeoutMs} ms and was killed`, { failure: 'timeout' })),
    );
    const onAbort = (): void => stop(new TransportError(TRANSPORT_CODES.aborted, node, 'command aborted by the operator and killed'));
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    channel.on('data', (c: Buffer) => onData(c, out, false));
    channel.stderr.on('data', (c: Buffer) => onData(c, err, true));
    channel.on('close', () => {
      if (exitCode === undefined && exitSignal === undefined) {
        finish(() => reject(new TransportError(TRANSPORT_CODES.connectionLost, node, 'connection lost while the command was running; its outcome on the node is unknown', { failure: 'connection-lost' })));
        return;
      }
      const done = (): void => {
        stdout += out.end();
        stderr += err.end();
        const result: ExecResult = {
          exitCode: exitCode ?? signalExitCode(exitSignal),
          stdout: redact(stdout, opts.secrets),
          stderr: redact(stderr, opts.secrets),
          durationMs: Math.round(performance.now() - started),
        };
        if (exitSignal !== undefined) result.signal = exitSignal;
        finish(() => resolve(result));
      };
      // ssh2 emits 'close' once stdout has ended, but stderr may still hold buffered data.
      if (channel.stderr.readableEnded) return done();
      channel.stderr.once('end', done);
      setTimeout(done, 2000).unref();
    });
    // If the whole connection dies the channel may never emit 'close' on its own.
    const onConnClose = (): void => void setImmediate(() => channel.emit('close'));
    lease.client.once('close', onConnClose);
    channel.once('close', () => {
      lease.client.removeListener('close', onConnClose);
      lease.release();
    });
    channel.on('error', () => undefined);
    // Framed stdin, and no EOF: our side stays open until the command exits (see GROUP_WRAPPER).
    channel.write(`${opts.stdinPrefix ?? ''}${frameStdin(opts.stdin ?? '')}`);
    onExit(channel, (code, signalName) => {
      exitCode = code ?? undefined;
      exitSignal = signalName;
      // The wrapper has disarmed its watcher; our EOF now lets the channel close.
      channel.end();
    });
  });
}

/**
 * Opens a session channel running `command` (the pool retries a refusal). Any failure means the
 * command never started, so the step is safe to retry whatever it is.
 */
export async function openExecChannel(node: string, lease: Lease, command: string, secrets: readonly string[]): Promise<ClientChannel> {
  try {
    return await lease.open(
      (client) =>
        new Promise<ClientChannel>((ok, no) =>
          client.exec(command, (error, channel) => {
            if (error) return no(error);
            // ssh2 emits 'exit' while it parses the packet. A command that ends at once (a
            // receiver that cannot create its file) can send its exit status in the same read as
            // the exec reply: before the caller's await resumes and listens. Kept for onExit.
            channel.once('exit', (code: number | null, signal?: string) => earlyExits.set(channel, { code, signal }));
            ok(channel);
          }),
        ),
    );
  } catch (err) {
    throw channelError(node, err, secrets);
  }
}

const earlyExits = new WeakMap<ClientChannel, { code: number | null; signal: string | undefined }>();

/** Calls `fn` with the exit status of a channel from openExecChannel, also one that came before this call. */
export function onExit(channel: ClientChannel, fn: (code: number | null, signal?: string) => void): void {
  const early = earlyExits.get(channel);
  if (early) fn(early.code, early.signal);
  else channel.once('exit', fn);
}

/** A shell-style exit code (128 + n) for a command that died of a signal. */
export function signalExitCode(name: string | undefined): number {
  const n = name === undefined ? 0 : (constants.signals[`SIG${name.replace(/^SIG/, '')}` as keyof typeof constants.signals] ?? 0);
  return 128 + n;
}

/**
 * ssh2's Channel.signal() silently does nothing once our side has sent EOF (stdin ended), yet
 * the session is still open and sshd still honours the request; so go to the protocol layer.
 */
export function sendSignal(channel: ClientChannel, name: string): void {
  const c = channel as unknown as { outgoing?: { id: number; state: string }; _client?: { _protocol?: { signal(id: number, sig: string): void } } };
  try {
    if (c.outgoing && c.outgoing.state !== 'closed') c._client?._protocol?.signal(c.outgoing.id, name);
  } catch {
    // connection already gone: nothing left to signal
  }
}
