// Fan-out and scale (issue 7): ten small shell steps on every worker of a 1+50 lab.
//  - kubedr CLI (`node bin/kubedr.js run`, compiled, a new process per run: start-up counted,
//    like ansible-playbook's) vs ansible-playbook (forks=50, pipelining, ControlPersist, no facts,
//    host key checking on) vs a plain sequential ssh loop (one `ssh` per host per step).
//  - scale: the same work through the app API in-process (`runFiles`: plan, host-key preflight,
//    engine, ssh transport, journal, audit) on 5, 10, 25 and 50 hosts.
// Every run starts cold: new kubedr process/transport; Ansible's ControlPersist masters closed.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFiles } from '../src/app/operate.js';
import { startLab, type Lab, type LabNode } from '../test/lab/index.js';
import { ansibleFiles, FANOUT_STEPS, kubedrInventory, kubedrRunbook, sshLoopScript, type AnsibleFiles } from './lib/fleet.js';
import { buildCli, kubedrCli } from './lib/kubedr-cli.js';
import type { Contender, PairedSuite } from './lib/paired.js';
import { run, runOk } from './lib/proc.js';
import { ANSIBLE, ensureTools, SSH } from './lib/tools.js';

// BENCH_HOSTS shrinks the lab for a smoke run of the harness; published figures use 50.
const HOSTS = Math.min(50, Math.max(5, Number(process.env['BENCH_HOSTS'] ?? 50) || 50));
const SCALE = [5, 10, 25, 50].filter((n) => n <= HOSTS);
const TIMEOUT_MS = 10 * 60_000;

interface Ctx {
  lab: Lab;
  dir: string;
  runbook: string;
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

async function setup(): Promise<Ctx> {
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

async function teardown(ctx: Ctx): Promise<void> {
  try {
    await closeControlMasters(ctx.ansible);
  } finally {
    await ctx.lab.down();
    rmSync(ctx.dir, { recursive: true, force: true });
  }
}

/** Ends the ControlPersist masters Ansible left behind (through their sockets), so the next run is cold. */
async function closeControlMasters(a: AnsibleFiles): Promise<void> {
  let socks: string[] = [];
  try {
    socks = readdirSync(a.controlDir);
  } catch {
    return;
  }
  await Promise.all(socks.map((s) => run('ssh', ['-o', `ControlPath=${join(a.controlDir, s)}`, '-O', 'exit', 'bench'], { timeoutMs: 20_000 })));
  rmSync(a.controlDir, { recursive: true, force: true });
}

const stateDir = (ctx: Ctx, tag: string, round: number): string => join(ctx.dir, `state-${tag}-${round + 1}`);
const dropState = (tag: string) => (ctx: Ctx, round: number): Promise<void> => {
  rmSync(stateDir(ctx, tag, round), { recursive: true, force: true });
  return Promise.resolve();
};

const ANSIBLE_NAME = `fan-out ${HOSTS} hosts x 10 steps: ansible-playbook`;

const contenders: Contender<Ctx>[] = [
  {
    name: ANSIBLE_NAME,
    run: async (ctx) => {
      mkdirSync(ctx.ansible.controlDir, { recursive: true });
      const r = await runOk('ansible-playbook', [ctx.ansible.playbook], { cwd: ctx.dir, env: ctx.ansible.env, timeoutMs: TIMEOUT_MS });
      if (!/failed=0/.test(r.stdout) || /unreachable=[1-9]/.test(r.stdout)) throw new Error(`ansible-playbook reported failures:\n${r.stdout.slice(-2000)}`);
      return undefined;
    },
    after: (ctx) => closeControlMasters(ctx.ansible),
  },
  {
    name: `fan-out ${HOSTS} hosts x 10 steps: kubedr CLI`,
    baseline: ANSIBLE_NAME,
    goal: { max: 0.1, text: 'kubedr ≥10× faster than Ansible (ratio ≤ 0.1)' },
    run: async (ctx, round) => {
      await kubedrCli(['run', '-r', ctx.runbook, '-i', ctx.inventories.get(HOSTS) ?? '', '--yes', '--concurrency', String(HOSTS), '--state-dir', stateDir(ctx, 'cli', round)], ctx.env, TIMEOUT_MS);
      return undefined;
    },
    after: dropState('cli'),
  },
  {
    name: `fan-out ${HOSTS} hosts x 10 steps: sequential ssh loop`,
    baseline: ANSIBLE_NAME,
    // ~4 min per run at 50 hosts on a loaded 2-core machine; nothing in it needs warming.
    warmup: false,
    run: async (ctx) => {
      await runOk('bash', [ctx.sshLoop], { env: ctx.env, timeoutMs: TIMEOUT_MS });
      return undefined;
    },
  },
  ...SCALE.map((n): Contender<Ctx> => ({
    name: `scale: kubedr in-process, ${n} hosts x 10 steps`,
    ...(n === 5 ? {} : { baseline: 'scale: kubedr in-process, 5 hosts x 10 steps', goal: { max: 2, text: 'nearly flat (ratio ≤ 2 vs 5 hosts)' } }),
    run: async (ctx, round) => {
      const out = await runFiles({ runbook: ctx.runbook, inventory: ctx.inventories.get(n) ?? '', yes: true, concurrency: HOSTS, stateDir: stateDir(ctx, `scale${n}`, round), env: ctx.env, rollback: 'never' });
      if (out.result.outcome !== 'done') throw new Error(`kubedr run on ${n} hosts ended ${out.result.outcome}`);
      return undefined;
    },
    after: dropState(`scale${n}`),
  })),
];

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  suite: 'fanout',
  description: `10 small shell steps on ${HOSTS} lab hosts (1+${HOSTS} lab): kubedr CLI vs ansible-playbook vs sequential ssh; kubedr in-process at ${SCALE.join(', ')} hosts`,
  setup,
  teardown,
  info: (ctx) => ({
    hosts: HOSTS,
    steps: FANOUT_STEPS,
    kubedr: 'CLI: node bin/kubedr.js run --yes --concurrency 50 (compiled dist/, new process per run, text reporter to a pipe); scale rows: app API runFiles in-process (no reporter), new SSH transport per run',
    ansible: 'ansible-playbook, shell module, forks=50, pipelining, ControlMaster=auto ControlPersist=60s (masters closed after each run), gathering explicit + gather_facts false, StrictHostKeyChecking=yes against the lab known_hosts',
    sshLoop: 'bash: for each step, for each host: ssh -o StrictHostKeyChecking=yes … (no multiplexing)',
    labNodes: ctx.lab.nodes.length,
  }),
  contenders,
};
export default suite;
