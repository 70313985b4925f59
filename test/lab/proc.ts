// Child-process helpers for the lab: run a program to completion and keep its output. The lab
// talks to real binaries (openssl, ssh-keygen, nsenter, etcdctl), never to a shell by default.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Run `file args…`; resolves with the exit code (never rejects on non-zero, only on spawn failure). */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => {}); // the child may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run, but throws with the command's stderr when it fails. */
export async function runOk(file: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Kernel start time of a process (clock ticks since boot), to tell a PID from a reused one. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** True while `pid` is alive and is still the process that had `startTime`. */
export function isSameProcess(pid: number, startTime: number | undefined): boolean {
  const now = processStartTime(pid);
  if (now === undefined) return false;
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(state)) return false;
  } catch {
    return false;
  }
  return startTime === undefined || now === startTime;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns a value other than undefined (see the body for what `timeoutMs` bounds). */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  // Under Vitest the test's (or hook's) own timeout bounds the wait: a loaded machine is slower
  // but never wrong, so past `timeoutMs` we only say what we are still waiting for. From the lab
  // CLI (an operator at a terminal) `timeoutMs` stays a deadline.
  const bounded = process.env.VITEST === undefined;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let told = false;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const msg = `${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`;
      if (bounded) throw new Error(`timed out after ${msg}`);
      if (!told) process.stderr.write(`lab: still waiting after ${msg}\n`);
      told = true;
    }
    await sleep(intervalMs);
  }
}
