// The fan-out lab shared by fanout.bench.ts and sshloop.bench.ts: a 1+50 lab and, generated from
// it, the same ten steps for every contender (kubedr runbook + inventories for 5/10/25/50 hosts,
// Ansible files, an ssh loop script). Every run starts cold; teardown always takes the lab down.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab, type LabNode } from '../../test/lab/index.js';
import { ansibleFiles, FANOUT_STEPS, kubedrInventory, kubedrRunbook, sshLoopScript, WAITING_STEPS, type AnsibleFiles } from './fleet.js';
import { buildCli, kubedrCli } from './kubedr-cli.js';
import type { Contender } from './paired.js';
import { run } from './proc.js';
import { ANSIBLE, ensureTools, SSH } from './tools.js';

// BENCH_HOSTS shrinks the lab for a smoke run of the harness; published figures use 50.
export const HOSTS = Math.min(50, Math.max(5, Number(process.env['BENCH_HOSTS'] ?? 50) || 50));
export const SCALE = [5, 10, 25, 50].filter((n) => n <= HOSTS);
export const TIMEOUT_MS = 10 * 60_000;

export interface Ctx {
  lab: Lab;
  dir: string;
  runbook: string;
  /** WAITING_STEPS: the scale rows' latency-bound twin. */
  waitingRunbook: string;
  inventories: Map<number, string>;
  ansible: AnsibleFiles;
  sshLoop: string;
  env: NodeJS.ProcessEnv;
}

const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env['SSH_AUTH_SOCK'];
  return env;
};

export async function setup(): Promise<Ctx> {
  await ensureTools([ANSIBLE, SSH]);
  await buildCli();
  const dir = mkdtempSync(join(tmpdir(), 'kubedr-bench-fanout-'));
  let lab: Lab | undefined;
  try {
    const t0 = performance.now();
    lab = await startLab({ controlPlanes: 1, workers: HOSTS });
    console.log(`  lab 1+${HOSTS} up in ${Math.round(performance.now() - t0)} ms`);
    const workers: LabNode[] = lab.nodes.filter((n) => n.roles.includes('worker'));
    const inventories = new Map(SCALE.map((n) => [n, kubedrInventory(lab as Lab, workers.slice(0, n), join(dir, `inventory-${n}.yaml`))]));
    return {
      lab,
      dir,
      runbook: kubedrRunbook(FANOUT_STEPS, join(dir, 'runbook.yaml')),
      waitingRunbook: kubedrRunbook(WAITING_STEPS, join(dir, 'runbook-waiting.yaml')),
      inventories,
      ansible: ansibleFiles(lab, workers, FANOUT_STEPS, dir),
      sshLoop: sshLoopScript(lab, workers, FANOUT_STEPS, join(dir, 'ssh-loop.sh')),
      env: cleanEnv(),
    };
  } catch (e) {
    await lab?.down();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export async function teardown(ctx: Ctx): Promise<void> {
  try {
    await closeControlMasters(ctx.ansible);
  } finally {
    await ctx.lab.down();
    rmSync(ctx.dir, { recursive: true, force: true });
  }
}

/** Ends the ControlPersist masters Ansible left behind (through their sockets), so the next run is cold. */
export async function closeControlMasters(a: AnsibleFiles): Promise<void> {
  let socks: string[] = [];
  try {
    socks = readdirSync(a.controlDir);
  } catch {
    return;
  }
  await Promise.all(socks.map((s) => run('ssh', ['-o', `ControlPath=${join(a.controlDir, s)}`, '-O', 'exit', 'bench'], { timeoutMs: 20_000 })));
  rmSync(a.controlDir, { recursive: true, force: true });
}

export const stateDir = (ctx: Ctx, tag: string, round: number): string => join(ctx.dir, `state-${tag}-${round + 1}`);
export const dropState = (tag: string) => (ctx: Ctx, round: number): Promise<void> => {
  rmSync(stateDir(ctx, tag, round), { recursive: true, force: true });
  return Promise.resolve();
};


/** kubedr as an operator runs it on the 50 hosts: a new CLI process, start-up included. */
export function kubedrCliContender(extra: Partial<Contender<Ctx>> = {}): Contender<Ctx> {
  return {
    name: `fan-out ${HOSTS} hosts x 10 steps: kubedr CLI`,
    run: async (ctx, round) => {
      await kubedrCli(['run', '-r', ctx.runbook, '-i', ctx.inventories.get(HOSTS) ?? '', '--yes', '--concurrency', String(HOSTS), '--state-dir', stateDir(ctx, 'cli', round)], ctx.env, TIMEOUT_MS);
      return undefined;
    },
    after: dropState('cli'),
    ...extra,
  };
}
