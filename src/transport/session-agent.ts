// One agent channel (see agent-script.ts): starts it, runs one task at a time on it, and tells
// the outcomes apart exactly as execOnLease does (an exit code is a result; a lost connection,
// a timeout or an abort is a TransportError). A timed-out or aborted task ends the agent: EOF
// makes it kill its process group, the same guarantee as a per-task channel.
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { ExecResult } from '../model/index.js';
import { AGENT_HELLO, AGENT_QUIT, MarkScanner, frameTask, newNonce } from './agent-script.js';
import { TRANSPORT_CODES, TransportError, redact, startTimeout } from './errors.js';
import { onExit, openExecChannel, sendSignal, signalExitCode, type RawExecOptions } from './exec.js';
import type { Lease } from './pool.js';

/** After EOF on a timeout or an abort, how long the agent gets before we close the channel. */
const KILL_GRACE_MS = 2500;

interface Task {
  onStdout(text: string): void;
  onStderr(text: string): void;
  /** The channel ended (exit status, if any, already recorded). */
  onGone(): void;
}

export class SessionAgent {
  /** False once the channel is ending or gone: never reused. */
  alive = true;
  private task: Task | undefined;
  private exit: { code: number | undefined; signal: string | undefined } | undefined;
  private readonly out = new StringDecoder('utf8');
  private readonly err = new StringDecoder('utf8');

  private constructor(
    readonly node: string,
    readonly lease: Lease,
    private readonly channel: ClientChannel,
  ) {
    channel.on('data', (c: Buffer) => this.task?.onStdout(this.out.write(c)));
    channel.stderr.on('data', (c: Buffer) => this.task?.onStderr(this.err.write(c)));
    channel.on('error', () => undefined);
    const onConnClose = (): void => void setImmediate(() => channel.emit('close'));
    lease.client.once('close', onConnClose);
    channel.once('close', () => {
      this.alive = false;
      lease.client.removeListener('close', onConnClose);
      lease.release();
      this.task?.onGone();
    });
    onExit(channel, (code, signal) => {
      this.exit = { code: code ?? undefined, signal };
      this.alive = false;
      channel.end();
      // Quit (no task): a process an earlier task left running may still hold the channel's
      // stdout, which would keep it, and its slot on the connection, open until it exits.
      if (!this.task) channel.close();
    });
  }

  /**
   * Opens the channel and waits for the agent's hello. Resolves undefined when the node cannot
   * run it (the channel ended before the hello: nothing was run, a fallback is safe). Owns the
   * lease from here on.
   */
  static async start(node: string, lease: Lease, command: string, prefix: string | undefined, secrets: readonly string[]): Promise<SessionAgent | undefined> {
    let channel: ClientChannel;
    try {
      channel = await openExecChannel(node, lease, command, secrets);
    } catch (e) {
      lease.release();
      throw e;
    }
    const agent = new SessionAgent(node, lease, channel);
    if (prefix !== undefined) channel.write(prefix);
    const ok = await new Promise<boolean>((resolve) => {
      let seen = '';
      agent.task = {
        // A noisy login shell (~/.bashrc) may print first: look for the hello line anywhere.
        onStdout: (t) => {
          seen += t;
          if (seen.includes(`${AGENT_HELLO}\n`)) resolve(true);
        },
        onStderr: () => undefined,
        onGone: () => resolve(false),
      };
    });
    agent.task = undefined;
    if (!ok) agent.end();
    return ok ? agent : undefined;
  }

  /** Runs one command; the agent must be idle. */
  run(command: string, opts: RawExecOptions): Promise<ExecResult> {
    const started = performance.now();
    const nonce = newNonce();
    const so = new MarkScanner(nonce);
    const se = new MarkScanner(nonce);
    let stdout = '';
    let stderr = '';
    return new Promise<ExecResult>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        this.task = undefined;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const emit = (text: string, isErr: boolean): void => {
        if (text === '') return;
        if (isErr) {
          stderr += text;
          opts.onStderr?.(redact(text, opts.secrets));
        } else {
          stdout += text;
          opts.onStdout?.(redact(text, opts.secrets));
        }
      };
      const result = (exitCode: number, signal?: string): ExecResult => {
        const r: ExecResult = { exitCode, stdout: redact(stdout, opts.secrets), stderr: redact(stderr, opts.secrets), durationMs: Math.round(performance.now() - started) };
        if (signal !== undefined) r.signal = signal;
        return r;
      };
      const check = (): void => {
        const end = so.end;
        if (end === undefined || se.end === undefined) return;
        const [code, left] = end.trim().split(' ');
        // The task left a process holding its output (see AGENT_SCRIPT): retire this agent.
        if (left === 'left') this.quit();
        finish(() => resolve(result(Number(code))));
      };
      const stop = (error: TransportError): void => {
        this.end();
        finish(() => reject(error));
        setTimeout(() => this.channel.close(), KILL_GRACE_MS).unref();
      };
      const timer = startTimeout(opts.timeoutMs, () =>
        stop(new TransportError(TRANSPORT_CODES.timeout, this.node, `command exceeded its timeout of ${opts.timeoutMs} ms and was killed`, { failure: 'timeout' })),
      );
      const onAbort = (): void => stop(new TransportError(TRANSPORT_CODES.aborted, this.node, 'command aborted by the operator and killed'));
      this.task = {
        onStdout: (t) => (emit(so.push(t), false), check()),
        onStderr: (t) => (emit(se.push(t), true), check()),
        onGone: () => {
          emit(so.flush() + this.out.end(), false);
          emit(se.flush() + this.err.end(), true);
          // The agent itself died with the task (e.g. the command killed its process group):
          // report it as the per-task wrapper would have; no exit at all is a lost connection.
          if (this.exit) finish(() => resolve(result(this.exit?.code ?? signalExitCode(this.exit?.signal), this.exit?.signal)));
          else finish(() => reject(new TransportError(TRANSPORT_CODES.connectionLost, this.node, 'connection lost while the command was running; its outcome on the node is unknown', { failure: 'connection-lost' })));
        },
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.channel.write(frameTask(nonce, command));
    });
  }

  /** Ends an idle agent: it exits at once, leaving alone what earlier tasks left running. */
  quit(): void {
    if (!this.alive) return;
    this.alive = false;
    this.channel.end(AGENT_QUIT);
  }

  /** Ends the agent: EOF makes it kill whatever still runs in its process group, then exit. */
  end(): void {
    if (!this.alive) return;
    this.alive = false;
    this.channel.end();
    // Honoured by sshd for non-root logins; the agent's trap does the same as EOF.
    sendSignal(this.channel, 'TERM');
  }
}
