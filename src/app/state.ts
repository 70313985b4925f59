// The state dir (`.kubedr` in the working directory unless overridden) and what every use-case
// that executes a plan (run, resume, rollback) shares: identity, engine wiring, the run lock.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KubedrError } from '../errors/index.js';
import type { Approve, EngineDeps, EngineOptions, EventSink, RollbackPolicy } from '../engine/index.js';
import { DEFAULT_OUTPUT_CAP } from '../engine/index.js';
import { acquireRunLock, type JournalSink, type RunLock } from '../journal/index.js';
import type { Plan, RunMode, Transport } from '../model/index.js';

export const DEFAULT_STATE_DIR = '.kubedr';
export const DEFAULT_NODE_LOCK_DIR = '/var/lib/kubedr/lock';

export interface RunPaths {
  runDir: string;
  journal: string;
  plan: string;
}

export function resolveStateDir(stateDir: string | undefined, cwd: string = process.cwd()): string {
  return resolve(cwd, stateDir ?? DEFAULT_STATE_DIR);
}

export function runPaths(stateDir: string, runId: string): RunPaths {
  if (!/^[A-Za-z0-9._-]+$/.test(runId) || runId.startsWith('.')) {
    throw new KubedrError('RUN_BAD_ID', `not a run id: ${JSON.stringify(runId)}`, { hint: 'run ids are letters, digits, ".", "_" and "-", as printed by `kubedr runs`', exitCode: 2 });
  }
  const runDir = join(stateDir, 'runs', runId);
  return { runDir, journal: join(runDir, 'journal.jsonl'), plan: join(runDir, 'plan.json') };
}

export function locksDir(stateDir: string): string {
  return join(stateDir, 'locks');
}

/** `20261123T164500Z-1a2b3c`: sorts by time, unique enough for one operator machine. */
export function newRunId(now: number): string {
  const ts = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${ts}-${randomBytes(3).toString('hex')}`;
}

export interface Identity {
  user: string;
  host: string;
  pid: number;
}

export function currentIdentity(): Identity {
  return { user: userInfo().username, host: hostname(), pid: process.pid };
}

/** Options every executing use-case takes. */
export interface ExecuteOptions {
  /** @default '.kubedr' in the working directory */
  stateDir?: string;
  /** Values of the plan's secret params; never stored, asked again on resume and rollback. */
  secrets?: Record<string, string>;
  transport: Transport;
  localTransport: Transport;
  sinks?: EventSink[];
  approve: Approve;
  /** Told each secret learned at run time, e.g. `auditSink.addSecrets([v])`. */
  onSecret?: (value: string) => void;
  signal?: AbortSignal;
  /** @default 16 */
  concurrency?: number;
  /** @default false */
  yes?: boolean;
  /** @default 'prompt' */
  rollback?: RollbackPolicy;
  /** @default 65536 */
  outputCap?: number;
  /** Per-node lock dir, or false to skip node locks (tests only). @default { dir: '/var/lib/kubedr/lock', sudo: true } */
  nodeLock?: { dir: string; sudo: boolean } | false;
  /** Who runs this; @default the OS user, host name and pid */
  identity?: Identity;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function engineWiring(o: ExecuteOptions, journal: JournalSink, runId: string, mode: RunMode): { deps: EngineDeps; opts: EngineOptions } {
  const id = o.identity ?? currentIdentity();
  const nodeLock = o.nodeLock ?? { dir: DEFAULT_NODE_LOCK_DIR, sudo: true };
  return {
    deps: {
      transport: o.transport,
      localTransport: o.localTransport,
      journal,
      sinks: o.sinks ?? [],
      now: o.now ?? Date.now,
      sleep: o.sleep ?? ((ms, signal) => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined)),
      approve: o.approve,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onSecret ? { onSecret: o.onSecret } : {}),
    },
    opts: {
      runId,
      mode,
      secrets: o.secrets ?? {},
      concurrency: o.concurrency ?? 16,
      yes: o.yes ?? false,
      rollback: o.rollback ?? 'prompt',
      outputCap: o.outputCap ?? DEFAULT_OUTPUT_CAP,
      nodeLock: nodeLock === false ? false : { ...nodeLock, ...id },
      operator: `${id.user}@${id.host}`,
      approver: { user: id.user, host: id.host },
    },
  };
}

export async function lockRun(stateDir: string, plan: Plan, runId: string, o: ExecuteOptions, now: number): Promise<RunLock> {
  const id = o.identity ?? currentIdentity();
  await requireDirOrAbsent(stateDir);
  return acquireRunLock({
    locksDir: locksDir(stateDir),
    host: id.host,
    holder: {
      user: id.user,
      host: id.host,
      pid: id.pid,
      runId,
      since: new Date(now).toISOString(),
      cluster: plan.inventory.cluster,
      inventorySource: plan.inventory.source,
      inventoryHash: plan.inventory.hash,
    },
  });
}

/** A state dir that exists must be a directory: a file there is a mistyped --state-dir. */
async function requireDirOrAbsent(stateDir: string): Promise<void> {
  const st = await stat(stateDir).catch(() => undefined);
  if (st && !st.isDirectory()) {
    throw new KubedrError('STATE_DIR_NOT_A_DIR', `state dir ${stateDir} is not a directory`, { hint: 'give --state-dir (or KUBEDR_STATE_DIR) a directory, or a path that does not exist yet', exitCode: 2 });
  }
}

/** Saves the plan beside the journal, durably: resume and rollback work from it. */
export async function savePlan(path: string, plan: Plan, exclusive: boolean): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const fh = await open(path, exclusive ? 'wx' : 'w', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(plan)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function loadSavedPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    // No plan.json means no such run here (a mistyped id, or another --state-dir).
    const runDir = dirname(path);
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KubedrError('RUN_NOT_FOUND', `no such run: ${basename(runDir)} (not in ${dirname(runDir)})`, {
        hint: 'list the runs with `kubedr runs`, or pass the --state-dir the run used',
        exitCode: 2,
        cause,
      });
    }
    throw new KubedrError('RUN_PLAN_MISSING', `cannot read the saved plan ${path}`, { exitCode: 2, cause });
  }
  try {
    return JSON.parse(text) as Plan;
  } catch (cause) {
    throw new KubedrError('RUN_PLAN_CORRUPT', `${path}: the saved plan is not valid JSON`, { hint: 'the run directory was edited or damaged; start a new run', exitCode: 2, cause });
  }
}
