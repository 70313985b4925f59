// Start-up cost of the built CLI as an operator runs it (`kubedr`, i.e. bin/kubedr, a new process
// each time): CPU time (user + sys, the child's own rusage, the launcher's sh and stat included)
// of `kubedr --help` and of `kubedr plan` of the ha-restore runbook, against `node -e 0` measured
// in the same round. bin/kubedr starts both from the start-up snapshot (src/cli/snapshot.ts); the
// rows "bin/kubedr.js" are the same commands without it, for comparison. CPU time, not wall time:
// on a shared machine wall time mostly measures the others' load, CPU time what kubedr costs.
// Many short rounds (BENCH_STARTUP_ROUNDS, default 30), contenders interleaved round by round.
// Also without NODE_EXTRA_CA_CERTS when the environment sets it (see cleanContenders).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli, REPO } from './lib/kubedr-cli.js';
import type { PairedSuite } from './lib/paired.js';
import { runOk } from './lib/proc.js';

const BIN = fileURLToPath(new URL('../bin/kubedr', import.meta.url));
const BIN_JS = fileURLToPath(new URL('../bin/kubedr.js', import.meta.url));
const BLOB = fileURLToPath(new URL('../dist/snapshot/kubedr.blob', import.meta.url));

interface Ctx {
  dir: string;
  planArgs: string[];
}

/**
 * Runs argv under bash and reads bash's `times` for its children: the user and sys seconds of
 * exactly that one process (millisecond resolution), not bash's own start.
 */
export async function childCpuMs(argv: readonly string[]): Promise<{ cpuMs: number; wallMs: number }> {
  const r = await runOk('bash', ['-c', '"$@" >/dev/null 2>&1 || exit $?; times', 'cpu', ...argv], { cwd: REPO, timeoutMs: 120_000 });
  const children = r.stdout.trim().split('\n').at(-1) ?? '';
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`cannot read the CPU time of ${argv.join(' ')} from \`times\`: ${JSON.stringify(r.stdout)}`);
  return { cpuMs: Math.round(((secs[0] ?? 0) + (secs[1] ?? 0)) * 1000), wallMs: Math.round(r.ms) };
}

const cpuRun = (argv: (c: Ctx) => string[]) => async (c: Ctx) => {
  const { cpuMs, wallMs } = await childCpuMs(argv(c));
  return { ms: cpuMs, metrics: { wall_ms: wallMs } };
};

const rounds = Number(process.env['BENCH_STARTUP_ROUNDS'] ?? 30);

// NODE_EXTRA_CA_CERTS makes every node process read and parse that CA bundle at start: on the
// machines of this project (it points at the system bundle) ~80 ms of CPU, more than `node -e 0`
// costs without it (~28 ms). It inflates the baseline and kubedr alike and so flatters the ratio.
// When it is set, the same pair is also measured without it: what an operator's shell pays.
const EXTRA_CA = process.env['NODE_EXTRA_CA_CERTS'];
const CLEAN = ['env', '-u', 'NODE_EXTRA_CA_CERTS'];
const cleanContenders = (): PairedSuite<Ctx>['contenders'] => (EXTRA_CA === undefined || EXTRA_CA === '' ? [] : [
  { name: 'node -e 0, without NODE_EXTRA_CA_CERTS', run: cpuRun(() => [...CLEAN, process.execPath, '-e', '0']) },
  { name: 'kubedr --help, without NODE_EXTRA_CA_CERTS', baseline: 'node -e 0, without NODE_EXTRA_CA_CERTS', goal: { max: 2, text: 'CPU ≤ 2× node -e 0' }, run: cpuRun(() => [...CLEAN, BIN, '--help']) },
  { name: 'kubedr plan ha-restore, without NODE_EXTRA_CA_CERTS', baseline: 'node -e 0, without NODE_EXTRA_CA_CERTS', goal: { max: 3, text: 'CPU ≤ 3× node -e 0' }, run: cpuRun((c) => [...CLEAN, BIN, ...c.planArgs]) },
  { name: 'bin/kubedr.js plan ha-restore, without NODE_EXTRA_CA_CERTS', baseline: 'node -e 0, without NODE_EXTRA_CA_CERTS', run: cpuRun((c) => [...CLEAN, process.execPath, BIN_JS, ...c.planArgs]) },
]);

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  suite: 'startup',
  description:
    'CPU time (user+sys from the child rusage via bash `times`, ms) of one new process: `node -e 0` (baseline), `kubedr --help`, `kubedr plan` of runbooks/ha-restore.yaml on inventories/kubeadm-3-master.yaml (built CLI: bin/kubedr, which starts them from the start-up snapshot; the bin/kubedr.js rows without it). The "ms" columns are CPU ms, wall_ms is wall time.',
  rounds: Number.isInteger(rounds) && rounds > 0 ? rounds : 30,
  setup: async () => {
    await buildCli();
    const dir = mkdtempSync(join(tmpdir(), 'kubedr-startup-'));
    // A real (tiny) snapshot file, so the plan does not warn about a missing upload source.
    const snapshot = join(dir, 'snapshot.db');
    writeFileSync(snapshot, 'x');
    const planArgs = ['plan', '-r', 'runbooks/ha-restore.yaml', '-i', 'inventories/kubeadm-3-master.yaml', '--param', `snapshot=${snapshot}`, '--param', `snapshotSha256=${'0'.repeat(64)}`];
    // Without it bin/kubedr would quietly measure bin/kubedr.js.
    if (!existsSync(BLOB)) throw new Error(`${BLOB} missing: \`npm run build\` printed why`);
    return { dir, planArgs };
  },
  teardown: async (c) => rmSync(c.dir, { recursive: true, force: true }),
  info: () => ({
    measure: 'CPU time (user+sys) of the child process, ms; bash `times` (children line)',
    node: process.version,
    nodeExtraCaCerts: EXTRA_CA ?? null,
    environment: 'the first three rows run in the bench\'s own environment (as the issue measured); when NODE_EXTRA_CA_CERTS is set, the rows "without NODE_EXTRA_CA_CERTS" run the same commands with it unset (env -u), which is what an operator\'s shell usually pays',
  }),
  contenders: [
    { name: 'node -e 0', run: cpuRun(() => [process.execPath, '-e', '0']) },
    { name: 'kubedr --help', baseline: 'node -e 0', goal: { max: 2, text: 'CPU ≤ 2× node -e 0' }, run: cpuRun(() => [BIN, '--help']) },
    { name: 'kubedr plan ha-restore', baseline: 'node -e 0', goal: { max: 3, text: 'CPU ≤ 3× node -e 0' }, run: cpuRun((c) => [BIN, ...c.planArgs]) },
    { name: 'bin/kubedr.js --help', baseline: 'node -e 0', run: cpuRun(() => [process.execPath, BIN_JS, '--help']) },
    { name: 'bin/kubedr.js plan ha-restore', baseline: 'node -e 0', run: cpuRun((c) => [process.execPath, BIN_JS, ...c.planArgs]) },
    ...cleanContenders(),
  ],
};
export default suite;
