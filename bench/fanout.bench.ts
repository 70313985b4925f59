// Fan-out and scale (issue 7): ten small shell steps on every worker of a 1+50 lab.
//  - kubedr CLI (`node bin/kubedr.js run`, compiled, a new process per run: start-up counted,
//    like ansible-playbook's) vs ansible-playbook (forks=50, pipelining, ControlPersist, no facts,
//    host key checking on). The sequential ssh loop has its own suite (sshloop.bench.ts): at
//    ~6 min a run it would triple this suite's time.
//  - scale: the same work through the app API in-process (`runFiles`: plan, host-key preflight,
//    engine, ssh transport, journal, audit) on 5, 10, 25 and 50 hosts.
// Every run starts cold: new kubedr process/transport; Ansible's ControlPersist masters closed.
import { mkdirSync } from 'node:fs';
import { runFiles } from '../src/app/operate.js';
import { closeControlMasters, dropState, HOSTS, kubedrCliContender, SCALE, setup, stateDir, teardown, TIMEOUT_MS, type Ctx } from './lib/fanout-lab.js';
import { FANOUT_STEPS } from './lib/fleet.js';
import type { Contender, PairedSuite } from './lib/paired.js';
import { runOk } from './lib/proc.js';

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
  kubedrCliContender({ baseline: ANSIBLE_NAME, goal: { max: 0.1, text: 'kubedr ≥10× faster than Ansible (ratio ≤ 0.1)' } }),
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
  description: `10 small shell steps on ${HOSTS} lab hosts (1+${HOSTS} lab): kubedr CLI vs ansible-playbook; kubedr in-process at ${SCALE.join(', ')} hosts`,
  setup,
  teardown,
  info: (ctx) => ({
    hosts: HOSTS,
    steps: FANOUT_STEPS,
    kubedr: 'CLI: node bin/kubedr.js run --yes --concurrency 50 (compiled dist/, new process per run, text reporter to a pipe); scale rows: app API runFiles in-process (no reporter), new SSH transport per run',
    ansible: 'ansible-playbook, shell module, forks=50, pipelining, ControlMaster=auto ControlPersist=60s (masters closed after each run), gathering explicit + gather_facts false, StrictHostKeyChecking=yes against the lab known_hosts',
    labNodes: ctx.lab.nodes.length,
  }),
  contenders,
};
export default suite;
