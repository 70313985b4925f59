// A Transport whose nodes are local directories: exec runs `bash -c` with the node's directory
// as cwd (real processes, real files). Remote paths are taken relative to the node directory.
// Every process gets its own process group and is listed in `pidDir`, so a test that SIGKILLs
// the engine can still stop the commands it left running (only those, by pid).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KubedrError } from '../../../src/errors/index.js';
import type { ExecOptions, ExecResult, Transport, TransferResult } from '../../../src/model/index.js';

export class DirTransport implements Transport {
  constructor(
    readonly root: string,
    private readonly pidDir?: string,
  ) {}

  nodeDir(node: string): string {
    return join(this.root, node.replace(/^@/, '_'));
  }

  private remote(node: string, path: string): string {
    return join(this.nodeDir(node), path.replace(/^\/+/, ''));
  }

  exec(node: string, command: string, opts: ExecOptions): Promise<ExecResult> {
    const cwd = this.nodeDir(node);
    if (!existsSync(cwd)) return Promise.reject(new KubedrError('TRANSPORT_UNREACHABLE', `${node}: no such node directory`));
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', command], { cwd, env: { ...process.env, NODE_NAME: node }, detached: true, stdio: 'pipe' });
      const pidFile = this.pidDir && child.pid ? join(this.pidDir, String(child.pid)) : undefined;
      if (pidFile) void writeFile(pidFile, '').catch(() => undefined);
      let stdout = '';
      let stderr = '';
      let failure: KubedrError | undefined;
      const kill = (err: KubedrError) => {
        failure = err;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => kill(new KubedrError('TRANSPORT_TIMEOUT', `${node}: no exit after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      const onAbort = () => kill(new KubedrError('ENGINE_ABORTED', `${node}: interrupted`));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.setEncoding('utf8').on('data', (c: string) => ((stdout += c), opts.onStdout?.(c)));
      child.stderr.setEncoding('utf8').on('data', (c: string) => ((stderr += c), opts.onStderr?.(c)));
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin ?? '');
      child.on('error', (err) => reject(new KubedrError('TRANSPORT_UNREACHABLE', `${node}: ${err.message}`, { cause: err })));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (pidFile) void rm(pidFile, { force: true });
        if (failure) return reject(failure);
        resolve({ exitCode: code ?? 128, stdout, stderr, durationMs: Date.now() - started, ...(signal ? { signal } : {}) });
      });
    });
  }

  async upload(node: string, localPath: string, remotePath: string): Promise<TransferResult> {
    return this.copy(localPath, this.remote(node, remotePath));
  }

  async download(node: string, remotePath: string, localPath: string): Promise<TransferResult> {
    return this.copy(this.remote(node, remotePath), localPath);
  }

  private async copy(from: string, to: string): Promise<TransferResult> {
    const t0 = Date.now();
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, `${to}.tmp`);
    await rename(`${to}.tmp`, to);
    const data = await readFile(to);
    return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length, durationMs: Date.now() - t0 };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
