// Sets up node directories for the crash tests, runs the child, kills it, cleans up after it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRASH_NODES, SECRET } from './crash-plan.js';

export interface Lab {
  dir: string;
  nodesRoot: string;
  stateDir: string;
  pidDir: string;
}

export async function makeLab(): Promise<Lab> {
  const dir = await mkdtemp(join(tmpdir(), 'kubedr-crash-'));
  const lab = { dir, nodesRoot: join(dir, 'nodes'), stateDir: join(dir, 'state'), pidDir: join(dir, 'pids') };
  await mkdir(lab.pidDir, { recursive: true });
  for (const n of CRASH_NODES) await mkdir(join(lab.nodesRoot, n), { recursive: true });
  await writeFile(join(lab.nodesRoot, 'n1', 'secret.txt'), `${SECRET}\n`);
  return lab;
}

/** Kills, by pid, the process groups of commands the dead engine left running. */
export async function killLeftovers(lab: Lab): Promise<void> {
  for (const name of await readdir(lab.pidDir)) {
    try {
      process.kill(-Number(name), 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
    await rm(join(lab.pidDir, name), { force: true });
  }
}

export async function count(lab: Lab, node: string, step: string): Promise<number> {
  const p = join(lab.nodesRoot, node, `${step}.count`);
  return existsSync(p) ? (await readFile(p, 'utf8')).split('\n').filter(Boolean).length : 0;
}

export interface ChildRun {
  stdout: string;
  killed: boolean;
  code: number | null;
}

/**
 * Runs the crash child. It is SIGKILLed when it prints FROZEN (FREEZE_AT reached) or, with
 * `killWhenFile`, as soon as that file exists. `whileFrozen` runs before the kill, while the
 * frozen child still holds its locks.
 */
export function runChild(lab: Lab, runId: string, freezeAt: string | undefined, killWhenFile?: string, whileFrozen?: (pid: number) => Promise<void>): Promise<ChildRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODES_ROOT: lab.nodesRoot, STATE_DIR: lab.stateDir, PID_DIR: lab.pidDir, RUN_ID: runId };
  if (freezeAt !== undefined) env.FREEZE_AT = freezeAt;
  // `node --import tsx` (not the tsx CLI, which forks a second process): SIGKILL must hit the engine.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/engine/fixtures/crash-child.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let killed = false;
  let killing = false;
  let frozenError: unknown;
  const kill = () => {
    if (!killed) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    if (stdout.includes('FROZEN\n') && !killing) {
      killing = true;
      if (whileFrozen && child.pid) whileFrozen(child.pid).catch((err: unknown) => (frozenError = err)).finally(kill);
      else kill();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const poll = killWhenFile ? setInterval(() => existsSync(killWhenFile) && kill(), 10) : undefined;
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      if (frozenError !== undefined) return reject(frozenError instanceof Error ? frozenError : new Error(String(frozenError)));
      if (!killed && code !== 0) return reject(new Error(`child exited ${code}: ${stderr}`));
      resolve({ stdout, killed, code });
    });
  });
}
