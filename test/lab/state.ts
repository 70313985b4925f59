// The lab's record of what it started (PIDs with their kernel start times, mounts, address block)
// in <root>/state.json. `down` — also after a crashed run — works from this record alone and
// signals only PIDs that are still the processes the lab started.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseBlock } from './alloc.js';
import { isSameProcess, processStartTime, sleep } from './proc.js';

export const LAB_ROOT_PREFIX = 'kubedr-lab-';
export const TMP = '/tmp';

export interface NodeProcRecord {
  name: string;
  /** The `unshare` process on the host. */
  unsharePid: number;
  unshareStart?: number;
  /** Host PID of the node's PID 1 (init.sh); killing it ends every process of the node. */
  initPid?: number;
  initStart?: number;
}

export interface LabState {
  id: string;
  root: string;
  block: number;
  createdAt: string;
  /** Checkout the lab was started from (for `down --all` of CLI-started labs). */
  repo: string;
  /** Process that owns the lab (a test run); absent for labs started by `npm run lab -- up`. */
  owner?: { pid: number; startTime?: number };
  nodes: NodeProcRecord[];
  /** Bind mounts made inside each node's private mount namespace (gone with the namespace). */
  mounts: string[];
}

export function writeState(state: LabState): void {
  const tmp = join(state.root, 'state.json.tmp');
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, join(state.root, 'state.json'));
}

export function readState(root: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'state.json'), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

/** Every lab root on this machine with a readable state file. */
export function listLabs(): LabState[] {
  return readdirSync(TMP)
    .filter((n) => n.startsWith(LAB_ROOT_PREFIX) && n !== 'kubedr-lab-locks')
    .map((n) => readState(join(TMP, n)))
    .filter((s): s is LabState => s !== undefined);
}

/** A test-owned lab whose owner process is gone (crashed or killed run). */
export function isOrphaned(s: LabState): boolean {
  return s.owner !== undefined && !isSameProcess(s.owner.pid, s.owner.startTime);
}

/** Kill the lab's recorded processes (each node's PID 1 ends its whole PID namespace), then remove its files. */
export async function teardown(s: LabState): Promise<void> {
  const victims: { pid: number; start: number | undefined }[] = [];
  for (const n of s.nodes) {
    if (n.initPid) victims.push({ pid: n.initPid, start: n.initStart });
    victims.push({ pid: n.unsharePid, start: n.unshareStart });
  }
  for (const v of victims) {
    if (isSameProcess(v.pid, v.start)) {
      try {
        process.kill(v.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  const deadline = Date.now() + 10_000;
  while (victims.some((v) => isSameProcess(v.pid, v.start)) && Date.now() < deadline) await sleep(50);
  const left = victims.filter((v) => isSameProcess(v.pid, v.start));
  if (left.length > 0) throw new Error(`lab ${s.id}: processes ${left.map((v) => v.pid).join(', ')} did not exit`);
  // Dead but not yet reaped (zombies wait for their parent, then for the host's init): give the
  // reaper a moment so that `ps` right after down shows nothing of the lab.
  const reaped = Date.now() + 3000;
  while (victims.some((v) => processStartTime(v.pid) === v.start && v.start !== undefined) && Date.now() < reaped) await sleep(20);
  if (existsSync(s.root)) rmSync(s.root, { recursive: true, force: true });
  releaseBlock(s.block, s.id);
}

/**
 * Anything of the lab still on the machine: processes whose command line, working directory or
 * mount table mentions the lab root. Used by tests to prove that `down` left nothing behind.
 */
export function findLeftovers(root: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(root)) found.push(`process ${pid}: ${cmd.trim()}`);
      const mounts = readFileSync(`/proc/${pid}/mounts`, 'utf8');
      if (mounts.includes(root)) found.push(`process ${pid} sees a mount of ${root}`);
    } catch {
      /* exited meanwhile, or a kernel thread */
    }
  }
  try {
    if (readFileSync('/proc/mounts', 'utf8').includes(root)) found.push(`/proc/mounts lists ${root}`);
  } catch {
    /* no procfs */
  }
  if (existsSync(root)) found.push(`directory ${root} still exists`);
  return found;
}
