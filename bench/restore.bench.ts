// Restore overhead (issue 7): the built-in ha-restore runbook through the CLI (`node bin/kubedr.js
// run --yes`) vs a plain bash script running the same procedure by hand (ssh + scp + etcdctl,
// lib/restore-script.ts), on a 3+2 lab whose etcd holds ~200 MB (BENCH_RESTORE_MIB). Before every
// run (untimed) the cluster is healthy, then loses quorum (breakQuorum: two members stopped and
// wiped). After every run (untimed) the restore is checked (members healthy, apiservers ready,
// every filler key back) and what it moved aside is removed, so disk use stays flat.
// Each row also carries where its time went (metrics, ms): the script's phases, and for kubedr its
// start-up (process start to the first step), the upload, the runbook's sha256 checks, the waits,
// the other steps and the rest (gaps between steps, node-lock release, exit), from its journal.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakQuorum, DAMAGED_DIR, startLab, takeSnapshot, waitClusterUp, type Lab, type Snapshot } from '../test/lab/index.js';
import { watchApiDowntime } from './lib/downtime.js';
import { buildCli, kubedrCli, REPO } from './lib/kubedr-cli.js';
import type { PairedSuite } from './lib/paired.js';
import { runOk } from './lib/proc.js';
import { pairedRatios, spread } from './lib/stats.js';
import { SCRIPT_LEFTOVERS, scriptPhases, writeRestoreScript } from './lib/restore-script.js';
import { ensureTools, ETCDCTL, SCP, SSH } from './lib/tools.js';

const WANT_MIB = Number(process.env['BENCH_RESTORE_MIB'] ?? 200) || 200;
const VALUE_KIB = 128; // 10 per txn stays under etcd's 1.5 MiB request limit
const PREFIX = '/registry/configmaps/kubedr-bench-filler/';
const TIMEOUT_MS = 15 * 60_000;

interface Ctx {
  lab: Lab;
  dir: string;
  snapshot: Snapshot;
  snapshotMiB: number;
  keys: number;
  script: string;
  /** API downtime per round (ms), for the per-round kubedr / script downtime ratio in `info`. */
  scriptDowntime: Map<number, number>;
  kubedrDowntime: Map<number, number>;
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
    const script = writeRestoreScript({ lab, snapshot: snapshot.path, sha256: snapshot.sha256, damagedDir: DAMAGED_DIR }, join(dir, 'restore-by-hand.sh'));
    return { lab, dir, snapshot, snapshotMiB, keys, script, scriptDowntime: new Map(), kubedrDowntime: new Map() };
  } catch (e) {
    await lab?.down();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function breakCluster(ctx: Ctx): Promise<void> {
  await waitClusterUp(ctx.lab, 120_000);
  await breakQuorum(ctx.lab);
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
  }
}

/** Steps of runbooks/ha-restore.yaml reported on their own (the rest are summed). */
const UPLOAD = ['upload-snapshot'];
const SHA256_CHECKS = ['snapshot-sha256', 'snapshot-status', 'verify-staged-snapshot'];
const WAITS = ['wait-stopped', 'wait-quorum', 'wait-apiserver'];

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
  const named = [...UPLOAD, ...SHA256_CHECKS, ...WAITS];
  const steps = sum(() => true);
  return {
    startupMs: firstStep - startedAt,
    uploadMs: sum(UPLOAD),
    sha256ChecksMs: sum(SHA256_CHECKS),
    waitsMs: sum(WAITS),
    otherStepsMs: sum((id) => !named.includes(id)),
    restMs: endedAt - firstStep - steps,
  };
}

/** Downtime as metrics: API down (first apiserver stop → all /readyz ok) and the time before it. */
function downtimeMetrics(d: { downtimeMs?: number; beforeStopMs?: number }): Record<string, number> {
  return { ...(d.downtimeMs !== undefined ? { apiDowntimeMs: d.downtimeMs } : {}), ...(d.beforeStopMs !== undefined ? { beforeFirstStopMs: d.beforeStopMs } : {}) };
}

const SCRIPT_NAME = `ha-restore 3+2 lab: plain script (ssh + scp + etcdctl)`;
const stateDir = (ctx: Ctx, round: number): string => join(ctx.dir, `state-${round + 1}`);

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  suite: 'restore',
  description: 'HA restore of a 3-member stacked etcd (+2 workers rejoined) from a ~200 MB snapshot after quorum loss: kubedr ha-restore via the CLI vs the same procedure as a plain bash script',
  setup,
  teardown: async (ctx) => {
    await ctx.lab.down();
    rmSync(ctx.dir, { recursive: true, force: true });
  },
  info: (ctx) => ({
    snapshotMiB: ctx.snapshotMiB,
    keys: ctx.keys,
    valueKiB: VALUE_KIB,
    kubedr: `node bin/kubedr.js run -r runbooks/ha-restore.yaml --yes --rollback never (new process per run; the runbook adds preflight checks, node locks, a staging dir, sha256 re-checks, a verify phase and saved worker configs)`,
    script: 'bash, one ssh per command, nodes in parallel per step (test/lab/restore.lab.test.ts as a script)',
    apiDowntime: 'first moment any kube-apiserver container is not running (lab kubelet pods.json) → every apiserver running and /readyz 200; polled every 100 ms from the bench process',
    apiDowntimeRatioKubedrVsScript: spread(pairedRatios([...ctx.kubedrDowntime.keys()].map((r) => ctx.kubedrDowntime.get(r)), [...ctx.kubedrDowntime.keys()].map((r) => ctx.scriptDowntime.get(r)))),
  }),
  contenders: [
    {
      name: SCRIPT_NAME,
      before: breakCluster,
      run: async (ctx, round) => {
        const watch = watchApiDowntime(ctx.lab);
        const r = await runOk('bash', [ctx.script], { timeoutMs: TIMEOUT_MS }).catch(async (e: unknown) => {
          await watch.stop();
          throw e;
        });
        const down = await watch.stop();
        if (down.downtimeMs !== undefined && round >= 0) ctx.scriptDowntime.set(round, down.downtimeMs);
        return { metrics: { ...scriptPhases(r.stderr), ...downtimeMetrics(down) } };
      },
      after: (ctx) => checkAndClean(ctx),
    },
    {
      name: 'ha-restore 3+2 lab: kubedr run (CLI)',
      baseline: SCRIPT_NAME,
      goal: { max: 1.2, text: 'overhead ≤ 20% (ratio ≤ 1.2)' },
      before: breakCluster,
      run: async (ctx, round) => {
        const startedAt = Date.now();
        const watch = watchApiDowntime(ctx.lab);
        const ran = kubedrCli([
          'run', '-r', join(REPO, 'runbooks', 'ha-restore.yaml'), '-i', ctx.lab.inventoryPath, '--yes', '--rollback', 'never', '--state-dir', stateDir(ctx, round),
          '--param', `snapshot=${ctx.snapshot.path}`, '--param', `snapshotSha256=${ctx.snapshot.sha256}`, '--param', `manifestSearchPath=${DAMAGED_DIR}`,
        ], process.env, TIMEOUT_MS);
        await ran.catch(async (e: unknown) => {
          await watch.stop();
          throw e;
        });
        const down = await watch.stop();
        if (down.downtimeMs !== undefined && round >= 0) ctx.kubedrDowntime.set(round, down.downtimeMs);
        return { metrics: { ...kubedrPhases(stateDir(ctx, round), startedAt, Date.now()), ...downtimeMetrics(down) } };
      },
      after: (ctx, round) => checkAndClean(ctx, stateDir(ctx, round)),
    },
  ],
};
export default suite;
