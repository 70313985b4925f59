// Restore overhead (issue 7): the built-in ha-restore runbook through the CLI (`node bin/kubedr.js
// run --yes`) vs a plain bash script running the same procedure by hand (ssh + scp + etcdctl,
// lib/restore-script.ts), on a 3+2 lab whose etcd holds ~200 MB (BENCH_RESTORE_MIB). Before every
// run (untimed) the cluster is healthy, then loses quorum (breakQuorum: two members stopped and
// wiped). After every run (untimed) the restore is checked (members healthy, apiservers ready,
// every filler key back) and what it moved aside is removed, so disk use stays flat.
// Each row also carries where its time went (metrics, ms): the script's phases, and for kubedr its
// start-up (process start to the first step), the upload, the runbook's sha256 checks, the waits,
// the restore (into the staging dir, then the swap), the manifests placed, the other steps and the rest (gaps between steps, node-lock release,
// exit), from its journal. Steps that run together (withPrevious) each count their own span, so
// the step figures may add up to more than the wall time; the rest is what no step covered.
// Two scenarios (BENCH_RESTORE_SCENARIOS, default both): `quorum` as above, and `files-lost`:
// the two damaged members also lost their etcd.yaml (moved off the node, loseQuorumWithManifests).
// There the script rebuilds each missing etcd.yaml from the survivor's with sed, as an operator
// would; kubedr runs ha-restore with --param backup=DIR, a backup etcd-backup took in setup.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakQuorum, DAMAGED_DIR, loseQuorumWithManifests, startLab, takeSnapshot, waitClusterUp, type Lab, type Snapshot } from '../test/lab/index.js';
import { watchApiDowntime } from './lib/downtime.js';
import { buildCli, kubedrCli, REPO } from './lib/kubedr-cli.js';
import type { Contender, PairedSuite } from './lib/paired.js';
import { runOk } from './lib/proc.js';
import { pairedRatios, spread } from './lib/stats.js';
import { SCRIPT_LEFTOVERS, scriptPhases, writeRestoreScript } from './lib/restore-script.js';
import { ensureTools, ETCDCTL, SCP, SSH } from './lib/tools.js';

const WANT_MIB = Number(process.env['BENCH_RESTORE_MIB'] ?? 200) || 200;
const VALUE_KIB = 128; // 10 per txn stays under etcd's 1.5 MiB request limit
const PREFIX = '/registry/configmaps/kubedr-bench-filler/';
const TIMEOUT_MS = 15 * 60_000;

type Scenario = 'quorum' | 'files-lost';
const SCENARIOS: Scenario[] = (process.env['BENCH_RESTORE_SCENARIOS'] ?? 'quorum,files-lost').split(',').filter((x): x is Scenario => x === 'quorum' || x === 'files-lost');
/** The member whose etcd.yaml the files-lost script copies (loseQuorumWithManifests damages the last two). */
const SURVIVOR = 'cp1';

interface Ctx {
  lab: Lab;
  dir: string;
  snapshot: Snapshot;
  snapshotMiB: number;
  keys: number;
  /** The by-hand script per scenario. */
  scripts: Record<Scenario, string>;
  /** The backup etcd-backup wrote (files-lost: kubedr's --param backup=DIR). */
  backup: string;
  /** API downtime per scenario, contender and round (ms), for the per-round downtime ratios in `info`. */
  downtime: Map<string, Map<number, number>>;
}

async function fill(lab: Lab, keys: number): Promise<void> {
  for (let i = 0; i < keys; i += 10) {
    const kvs = Array.from({ length: Math.min(10, keys - i) }, (_, j) => ({ key: `${PREFIX}${String(i + j).padStart(6, '0')}`, value: randomBytes((VALUE_KIB * 1024 * 3) / 4).toString('base64') }));
    await lab.etcd.putMany(lab.clientURL('cp1'), kvs, 10);
  }
}

async function setup(): Promise<Ctx> {
  await ensureTools([SSH, SCP, ETCDCTL]);
  await buildCli();
  const dir = mkdtempSync(join(tmpdir(), 'kubedr-bench-restore-'));
  let lab: Lab | undefined;
  try {
    lab = await startLab({ controlPlanes: 3, workers: 2 });
    const keys = Math.ceil((WANT_MIB * 1024) / VALUE_KIB);
    const t0 = performance.now();
    await fill(lab, keys);
    const snapshot = await takeSnapshot(lab, 'cp1', join(dir, 'snapshot.db'));
    const snapshotMiB = Math.round(statSync(snapshot.path).size / 2 ** 20);
    console.log(`  ${keys} keys of ${VALUE_KIB} KiB written, snapshot ${snapshotMiB} MiB, in ${Math.round(performance.now() - t0)} ms`);
    const input = { lab, snapshot: snapshot.path, sha256: snapshot.sha256, damagedDir: DAMAGED_DIR };
    const scripts = {
      quorum: writeRestoreScript(input, join(dir, 'restore-by-hand.sh')),
      'files-lost': writeRestoreScript({ ...input, rebuildFrom: SURVIVOR }, join(dir, 'restore-files-lost-by-hand.sh')),
    };
    const backup = SCENARIOS.includes('files-lost') ? await takeBackup(lab, dir) : '';
    return { lab, dir, snapshot, snapshotMiB, keys, scripts, backup, downtime: new Map() };
  } catch (e) {
    await lab?.down();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** etcd-backup through the CLI (untimed, once): the backup dir it wrote. */
async function takeBackup(lab: Lab, dir: string): Promise<string> {
  const backups = join(dir, 'backups');
  await kubedrCli(['run', '-r', join(REPO, 'runbooks', 'etcd-backup.yaml'), '-i', lab.inventoryPath, '--yes', '--state-dir', join(dir, 'state-backup'), '--param', `backupDir=${backups}`], process.env, TIMEOUT_MS);
  const [only] = readdirSync(backups);
  if (only === undefined) throw new Error(`etcd-backup wrote nothing under ${backups}`);
  console.log(`  backup for files-lost: ${join(backups, only)}`);
  return join(backups, only);
}

const offNode = (ctx: Ctx): string => join(ctx.dir, 'off-node');

async function breakCluster(ctx: Ctx, scenario: Scenario): Promise<void> {
  await waitClusterUp(ctx.lab, 120_000);
  if (scenario === 'quorum') await breakQuorum(ctx.lab);
  else await loseQuorumWithManifests(ctx.lab, offNode(ctx));
}

/** The restore worked (every member, every apiserver, every key), then clear what it set aside. */
async function checkAndClean(ctx: Ctx, stateDir?: string): Promise<void> {
  const { lab } = ctx;
  try {
    await waitClusterUp(lab, 120_000);
    const n = await lab.etcd.countPrefix(lab.clientURL('cp1'), PREFIX, 30_000);
    if (n !== ctx.keys) throw new Error(`after the restore etcd holds ${n} filler keys, expected ${ctx.keys}`);
  } finally {
    for (const node of lab.nodes) {
      const varLib = lab.hostPath(node.name, '/var/lib');
      for (const e of readdirSync(varLib)) {
        if (e.startsWith('etcd.kubedr-before-') || `/var/lib/${e}`.startsWith(SCRIPT_LEFTOVERS.oldDataPrefix)) rmSync(join(varLib, e), { recursive: true, force: true });
      }
      for (const p of ['/var/lib/kubedr/runs', SCRIPT_LEFTOVERS.stage, '/etc/kubernetes/kubedr-stash', SCRIPT_LEFTOVERS.stash]) rmSync(lab.hostPath(node.name, p), { recursive: true, force: true });
    }
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    rmSync(offNode(ctx), { recursive: true, force: true });
  }
}

/** Steps of runbooks/ha-restore.yaml reported on their own (the rest are summed). */
const UPLOAD = ['upload-snapshot'];
const SHA256_CHECKS = ['snapshot-sha256', 'snapshot-status', 'verify-staged-snapshot'];
const WAITS = ['wait-stopped', 'wait-quorum', 'wait-apiserver'];
/** The restore into the staging dir (before the stop) and the data dir swap (after it). */
const RESTORE = ['restore-snapshot', 'restore-member'];
/** Where each manifest comes from (preflight) and its placing into the stash. */
const isManifestStep = (id: string): boolean => id.endsWith('-manifest-source') || /^place-.*-manifest$/.test(id);

/** Where a kubedr run's wall time went, from its journal (step = first task start to last task end). */
function kubedrPhases(dir: string, startedAt: number, endedAt: number): Record<string, number> {
  const runs = join(dir, 'runs');
  const runId = readdirSync(runs)[0] ?? '';
  const records = readFileSync(join(runs, runId, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { r: string; key?: string; at: string });
  const spans = new Map<string, { from: number; to: number }>();
  for (const rec of records) {
    if ((rec.r !== 'task-start' && rec.r !== 'task-end') || rec.key === undefined) continue;
    const step = rec.key.split('@')[0] ?? '';
    const t = Date.parse(rec.at);
    const s = spans.get(step) ?? { from: t, to: t };
    spans.set(step, { from: Math.min(s.from, t), to: Math.max(s.to, t) });
  }
  const sum = (ids: readonly string[] | ((id: string) => boolean)): number =>
    [...spans].filter(([id]) => (typeof ids === 'function' ? ids(id) : ids.includes(id))).reduce((n, [, s]) => n + s.to - s.from, 0);
  const firstStep = Math.min(...[...spans.values()].map((s) => s.from));
  // The slowest steps on the console: where to look when kubedr is behind the script.
  const slowest = [...spans].map(([id, sp]) => [id, sp.to - sp.from] as const).sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`    slowest steps: ${slowest.map(([id, ms]) => `${id} ${ms} ms`).join(', ')} (${spans.size} steps)`);
  if (process.env['BENCH_RESTORE_TIMELINE'] === '1') {
    // Every step's span from the process start, in start order: the critical path at a glance.
    for (const [id, sp] of [...spans].sort((a, b) => a[1].from - b[1].from)) console.log(`      ${String(sp.from - startedAt).padStart(6)} → ${String(sp.to - startedAt).padStart(6)} ms  ${id}`);
  }
  const named = [...UPLOAD, ...SHA256_CHECKS, ...WAITS, ...RESTORE];
  // Steps marked withPrevious overlap: the time covered by any step, each moment counted once.
  let steps = 0;
  let reach = -Infinity;
  for (const s of [...spans.values()].sort((a, b) => a.from - b.from)) {
    steps += Math.max(0, s.to - Math.max(s.from, reach));
    reach = Math.max(reach, s.to);
  }
  return {
    startupMs: firstStep - startedAt,
    uploadMs: sum(UPLOAD),
    sha256ChecksMs: sum(SHA256_CHECKS),
    waitsMs: sum(WAITS),
    restoreMs: sum(RESTORE),
    manifestsMs: sum(isManifestStep),
    otherStepsMs: sum((id) => !named.includes(id) && !isManifestStep(id)),
    restMs: endedAt - firstStep - steps,
  };
}

/** Downtime as metrics: API down (first apiserver stop → all /readyz ok) and the time before it. */
function downtimeMetrics(d: { downtimeMs?: number; beforeStopMs?: number }): Record<string, number> {
  return { ...(d.downtimeMs !== undefined ? { apiDowntimeMs: d.downtimeMs } : {}), ...(d.beforeStopMs !== undefined ? { beforeFirstStopMs: d.beforeStopMs } : {}) };
}

const LABEL: Record<Scenario, string> = { quorum: 'ha-restore 3+2 lab', 'files-lost': 'ha-restore 3+2 lab, 2 members lost etcd.yaml' };
const scriptName = (sc: Scenario): string => `${LABEL[sc]}: plain script (ssh + scp + etcdctl${sc === 'files-lost' ? ', etcd.yaml rebuilt with sed' : ''})`;
const kubedrName = (sc: Scenario): string => `${LABEL[sc]}: kubedr run (CLI${sc === 'files-lost' ? ', --param backup=DIR' : ''})`;
const stateDir = (ctx: Ctx, sc: Scenario, round: number): string => join(ctx.dir, `state-${sc}-${round + 1}`);

/** Runs `work` while watching the API; records the downtime under `name` for the info ratios. */
async function watched(ctx: Ctx, name: string, round: number, work: () => Promise<unknown>): Promise<Record<string, number>> {
  const watch = watchApiDowntime(ctx.lab);
  await work().catch(async (e: unknown) => {
    await watch.stop();
    // The runner's clean-up runs next and may fail too: say first what failed here.
    console.error(`  ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  });
  const down = await watch.stop();
  if (down.downtimeMs !== undefined && round >= 0) {
    const m = ctx.downtime.get(name) ?? new Map<number, number>();
    ctx.downtime.set(name, m.set(round, down.downtimeMs));
  }
  return downtimeMetrics(down);
}

function contenders(sc: Scenario): Contender<Ctx>[] {
  return [
    {
      name: scriptName(sc),
      before: (ctx) => breakCluster(ctx, sc),
      run: async (ctx, round) => {
        let stderr = '';
        const down = await watched(ctx, scriptName(sc), round, async () => {
          stderr = (await runOk('bash', [ctx.scripts[sc]], { timeoutMs: TIMEOUT_MS })).stderr;
        });
        return { metrics: { ...scriptPhases(stderr), ...down } };
      },
      after: (ctx) => checkAndClean(ctx),
    },
    {
      name: kubedrName(sc),
      baseline: scriptName(sc),
      goal: { max: 1.0, text: 'no slower than the script (ratio ≤ 1.0)' },
      before: (ctx) => breakCluster(ctx, sc),
      run: async (ctx, round) => {
        const startedAt = Date.now();
        const source = sc === 'quorum'
          ? ['--param', `snapshot=${ctx.snapshot.path}`, '--param', `snapshotSha256=${ctx.snapshot.sha256}`, '--param', `manifestSearchPath=${DAMAGED_DIR}`]
          : ['--param', `backup=${ctx.backup}`];
        const down = await watched(ctx, kubedrName(sc), round, () =>
          kubedrCli(['run', '-r', join(REPO, 'runbooks', 'ha-restore.yaml'), '-i', ctx.lab.inventoryPath, '--yes', '--rollback', 'never', '--state-dir', stateDir(ctx, sc, round), ...source], process.env, TIMEOUT_MS),
        );
        return { metrics: { ...kubedrPhases(stateDir(ctx, sc, round), startedAt, Date.now()), ...down } };
      },
      after: (ctx, round) => checkAndClean(ctx, stateDir(ctx, sc, round)),
    },
  ];
}

/** kubedr / script API downtime, per round, of one scenario. */
function downtimeRatio(ctx: Ctx, sc: Scenario): ReturnType<typeof spread> {
  const k = ctx.downtime.get(kubedrName(sc)) ?? new Map<number, number>();
  const b = ctx.downtime.get(scriptName(sc)) ?? new Map<number, number>();
  return spread(pairedRatios([...k.keys()].map((r) => k.get(r)), [...k.keys()].map((r) => b.get(r))));
}

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  suite: 'restore',
  description: 'HA restore of a 3-member stacked etcd (+2 workers rejoined) from a ~200 MB snapshot after quorum loss, and after quorum loss where the 2 lost members also lost their etcd.yaml: kubedr ha-restore via the CLI vs the same procedure as a plain bash script',
  warmup: process.env['BENCH_RESTORE_WARMUP'] !== '0',
  setup,
  teardown: async (ctx) => {
    await ctx.lab.down();
    rmSync(ctx.dir, { recursive: true, force: true });
  },
  info: (ctx) => ({
    scenarios: SCENARIOS,
    snapshotMiB: ctx.snapshotMiB,
    keys: ctx.keys,
    valueKiB: VALUE_KIB,
    kubedr: `node bin/kubedr.js run -r runbooks/ha-restore.yaml --yes --rollback never (new process per run; the runbook adds preflight checks, node locks, a staging dir, sha256 re-checks, a verify phase and saved worker configs); files-lost: --param backup=DIR (etcd-backup's, taken once in setup)`,
    script: 'bash, one ssh per command, nodes in parallel per step (test/lab/restore.lab.test.ts as a script); files-lost: the survivor\'s etcd.yaml scp\'d here, --name and addresses substituted with sed, scp\'d to each member that lost its own',
    apiDowntime: 'first moment any kube-apiserver container is not running (lab kubelet pods.json) → every apiserver running and /readyz 200; polled every 100 ms from the bench process',
    ...Object.fromEntries(SCENARIOS.map((sc) => [sc === 'quorum' ? 'apiDowntimeRatioKubedrVsScript' : 'apiDowntimeRatioKubedrVsScriptFilesLost', downtimeRatio(ctx, sc)])),
  }),
  contenders: SCENARIOS.flatMap(contenders),
};
export default suite;
