// In-memory Transport for pure engine logic: a handler decides each command's result.
import type { ExecOptions, ExecResult, Transport, TransferResult } from '../../../src/model/index.js';

export type Handler = (node: string, command: string, opts: ExecOptions) => Partial<ExecResult> | Promise<Partial<ExecResult>>;

export interface Call {
  node: string;
  command: string;
  stdin?: string;
}

export class MemoryTransport implements Transport {
  calls: Call[] = [];
  active = 0;
  maxActive = 0;
  uploads: { node: string; local: string; remote: string }[] = [];

  constructor(private readonly handler: Handler = () => ({})) {}

  async exec(node: string, command: string, opts: ExecOptions): Promise<ExecResult> {
    this.calls.push({ node, command, ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      const r = await this.handler(node, command, opts);
      const stdout = r.stdout ?? '';
      const stderr = r.stderr ?? '';
      if (stdout) opts.onStdout?.(stdout);
      if (stderr) opts.onStderr?.(stderr);
      return { exitCode: r.exitCode ?? 0, stdout, stderr, durationMs: 0 };
    } finally {
      this.active--;
    }
  }

  upload(node: string, localPath: string, remotePath: string): Promise<TransferResult> {
    this.uploads.push({ node, local: localPath, remote: remotePath });
    return Promise.resolve({ sha256: 'ab'.repeat(32), bytes: 1, durationMs: 0 });
  }

  download(): Promise<TransferResult> {
    return Promise.resolve({ sha256: 'cd'.repeat(32), bytes: 1, durationMs: 0 });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Commands run on `node`, in order. */
  on(node: string): string[] {
    return this.calls.filter((c) => c.node === node).map((c) => c.command);
  }
}
