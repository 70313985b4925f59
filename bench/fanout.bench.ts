// Fan-out and scale (issue 7): ten small shell steps on every worker of a 1+50 lab.
//  - kubedr CLI (`node bin/kubedr.js run`, compiled, a new process per run: start-up counted,
//    like ansible-playbook's) vs ansible-playbook (forks=50, pipelining, ControlPersist, no facts,
//    host key checking on). The sequential ssh loop has its own suite (sshloop.bench.ts): at
//    ~6 min a run it would triple this suite's time.
//  - scale: the same work through the app API in-process (`runFiles`: plan, host-key preflight,
//    engine, ssh transport, journal, audit) on 5, 10, 25 and 50 hosts, each with two metrics:
//    kubedr's own CPU and the nodes' CPU (the lab's sshd sessions and shells), because on this
//    one-machine lab the nodes run on kubedr's cores. BENCH_FANOUT_ONLY=scale runs these rows only.
// Every run starts cold: new kubedr process/transport; Ansible's ControlPersist masters closed.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { runFiles } from '../src/app/operate.js';
import { closeControlMasters, dropState, HOSTS, kubedrCliContender, SCALE, setup, stateDir, teardown, TIMEOUT_MS, type Ctx } from './lib/fanout-lab.js';
import { FANOUT_STEPS } from './lib/fleet.js';
import type { Contender, PairedSuite } from './lib/paired.js';
import { runOk } from './lib/proc.js';
import { pairedRatios, spread } from './lib/stats.js';
import type { Lab } from '../test/lab/index.js';

// The nodes' CPU: every sshd of the lab with its sessions and the shells they ran, from /proc (a
// process's own time plus that of its reaped children).
const TICK_MS = 10; // USER_HZ is 100 on Linux

function stat(pid: string): string[] | undefined {
  try {
    // Fields after "(comm) ": state ppid … utime(11) stime(12) cutime(13) cstime(14), 0-based here.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  } catch {
    return undefined;
  }
}

/** The lab's sshd listeners (one per node): `sshd -D -f <lab root>/nodes/<name>/sshd_config`. */
function labSshdPids(lab: Lab): string[] {
  return readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.includes('sshd -D') && cmd.includes(`${lab.root}/nodes/`);
    } catch {
      return false;
    }
  });
}

/** CPU ms so far of the given processes and all their descendants (living and reaped). */
function treeCpuMs(roots: readonly string[]): number {
  const children = new Map<string, string[]>();
  const stats = new Map<string, string[]>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const f = stat(p);
    if (!f) continue;
    stats.set(p, f);
    const ppid = f[1] ?? '';
    children.set(ppid, [...(children.get(ppid) ?? []), p]);
  }
  let ticks = 0;
  const walk = (p: string): void => {
    const f = stats.get(p);
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    for (const c of children.get(p) ?? []) walk(c);
  };
  for (const r of roots) walk(r);
  return ticks * TICK_MS;
}

const ANSIBLE_NAME = `fan-out ${HOSTS} hosts x 10 steps: ansible-playbook`;
const ONLY = process.env['BENCH_FANOUT_ONLY'];
const SCALE_ONLY = ONLY === 'scale';
const STEPS = 10;

/** One in-process run of the small steps on `n` hosts, with the nodes' CPU and kubedr's. */
async function measuredRun(ctx: Ctx, n: number, runbook: string, state: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; metrics: Record<string, number> }> {
  const sshd = labSshdPids(ctx.lab);
  const nodes0 = treeCpuMs(sshd);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runFiles({ runbook, inventory: ctx.inventories.get(n) ?? '', yes: true, concurrency: HOSTS, stateDir: state, env, rollback: 'never' });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (out.result.outcome !== 'done') throw new Error(`kubedr run on ${n} hosts ended ${out.result.outcome}`);
  // Untimed: the nodes' per-connection sshd processes exit (and are reaped) once kubedr has closed.
  await sleep(300);
  const nodesCpuMs = treeCpuMs(sshd) - nodes0;
  return { ms, metrics: { kubedrCpuMs: Math.round((cpu.user + cpu.system) / 1000), nodesCpuMs, nodeCpuMsPerTask: Math.round((nodesCpuMs / (n * STEPS)) * 10) / 10 } };
}

// Node cost per task (issue 16): the same run with a new SSH session per command (the transport
// before session agents, still its fallback: KUBEDR_SSH_SESSION_AGENT=off) and with one
// long-lived session agent per node. The per-round ratio of the nodes' CPU goes into `info`.
const PER_TASK = `node cost: ${HOSTS} hosts x ${STEPS} steps, a new SSH session per command (before)`;
const AGENT = `node cost: ${HOSTS} hosts x ${STEPS} steps, one session agent per node (after)`;
const nodeCpu = { perTask: new Map<number, number>(), agent: new Map<number, number>() };
function nodeCostRows(): Contender<Ctx>[] {
  const row = (name: string, off: boolean, into: Map<number, number>, extra: Partial<Contender<Ctx>>): Contender<Ctx> => ({
    name,
    ...extra,
    run: async (ctx, round) => {
      const r = await measuredRun(ctx, HOSTS, ctx.runbook, stateDir(ctx, `nodecost-${off ? 'off' : 'on'}`, round), { ...ctx.env, KUBEDR_SSH_SESSION_AGENT: off ? 'off' : 'on' });
      if (round >= 0) into.set(round, r.metrics['nodesCpuMs'] ?? 0);
      return r;
    },
    after: dropState(`nodecost-${off ? 'off' : 'on'}`),
  });
  return [row(PER_TASK, true, nodeCpu.perTask, {}), row(AGENT, false, nodeCpu.agent, { baseline: PER_TASK })];
}

function scaleRows(kind: 'small' | 'waiting'): Contender<Ctx>[] {
  const label = (n: number): string => (kind === 'small' ? `scale: kubedr in-process, ${n} hosts x 10 steps` : `scale: kubedr in-process, ${n} hosts x 10 steps of sleep 0.5 + the same`);
  return SCALE.map((n): Contender<Ctx> => ({
    name: label(n),
    ...(n === 5 ? {} : { baseline: label(5), goal: { max: 2, text: 'nearly flat (ratio ≤ 2 vs 5 hosts)' } }),
    run: (ctx, round) => measuredRun(ctx, n, kind === 'small' ? ctx.runbook : ctx.waitingRunbook, stateDir(ctx, `scale-${kind}${n}`, round), ctx.env),
    after: dropState(`scale-${kind}${n}`),
  }));
}

const ansibleRows = (): Contender<Ctx>[] => [
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
  kubedrCliContender({ baseline: ANSIBLE_NAME, goal: { max: 0.05, text: 'kubedr ≥20× faster than Ansible (ratio ≤ 0.05)' } }),
];

// BENCH_FANOUT_ONLY=ansible: the Ansible comparison alone (results in fanout-ansible.json).
const contenders: Contender<Ctx>[] = ONLY === 'nodecost' ? nodeCostRows() : ONLY === 'ansible' ? ansibleRows() : SCALE_ONLY ? [...scaleRows('small'), ...scaleRows('waiting')] : [
  ...ansibleRows(),
  ...nodeCostRows(),
  ...scaleRows('small'),
  ...scaleRows('waiting'),
];

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  // A partial run keeps its own results file: the full suite's figures stay as they were.
  suite: ONLY === 'nodecost' ? 'fanout-nodecost' : ONLY === 'ansible' ? 'fanout-ansible' : 'fanout',
  description: `10 small shell steps on ${HOSTS} lab hosts (1+${HOSTS} lab): kubedr CLI vs ansible-playbook; kubedr in-process at ${SCALE.join(', ')} hosts, with the small steps and with each step waiting 0.5 s first`,
  setup,
  teardown,
  info: (ctx) => ({
    hosts: HOSTS,
    steps: FANOUT_STEPS,
    kubedr: 'CLI: node bin/kubedr.js run --yes --concurrency 50 (compiled dist/, new process per run, text reporter to a pipe); scale rows: app API runFiles in-process (no reporter), new SSH transport per run',
    scaleMetrics: 'kubedrCpuMs: process.cpuUsage of the bench process during the run (kubedr in-process); nodesCpuMs: CPU of the lab nodes\' sshd listeners and all their descendants (sessions, shells, commands) during the run, /proc utime+stime+cutime+cstime',
    ansible: 'ansible-playbook, shell module, forks=50, pipelining, ControlMaster=auto ControlPersist=60s (masters closed after each run), gathering explicit + gather_facts false, StrictHostKeyChecking=yes against the lab known_hosts',
    labNodes: ctx.lab.nodes.length,
    nodeCost: 'node CPU per task = nodesCpuMs / (hosts x 10 steps): every lab sshd listener and all its descendants (per-connection sshd with key exchange, login shell with its rc files, agent or wrapper, the step\'s shell and command), /proc utime+stime+cutime+cstime sampled before and 300 ms after each run; includes the run\'s preflight, node lock and unlock commands. CPU time per fork/exec on this 2-core VM grows with the load (cache and TLB contention, no steal accounting): compare the per-round ratio nodeCpuRatioAgentVsPerTask, and read absolute ms with the load',
    nodeCpuRatioAgentVsPerTask: spread(pairedRatios([...nodeCpu.agent.keys()].map((r) => nodeCpu.agent.get(r)), [...nodeCpu.agent.keys()].map((r) => nodeCpu.perTask.get(r)))),
  }),
  contenders,
};
export default suite;
