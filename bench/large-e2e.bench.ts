// Recovery at real sizes (issue 16): backup then restore of a multi-GiB etcd on the 3+2 lab, end to
// end. Opt-in (`npm run bench large-e2e`; never part of a plain `npm run bench`): it needs many
// GiB of disk and most of an hour. BENCH_E2E_MIB sets the db size (default 4096).
//  - kubedr: `run -r runbooks/etcd-backup.yaml` (snapshot save on a member, download, sha256,
//    node files), then, after breakQuorum (untimed), `run -r runbooks/ha-restore.yaml --param
//    backup=DIR` (distribution to the 3 members, sha256 there, restore, verify). Each CLI process
//    runs under /usr/bin/time: its peak RSS is a metric (goal < 200 MiB).
//  - script: ssh etcdctl snapshot save, scp down, sha256sum, then the restore bench's by-hand
//    script (lib/restore-script.ts: scp to each member, sha256sum there, etcdctl restore, start).
// Time = backup + restore (the quorum break between them is not timed). The suite computes the
// disk it needs and refuses to start without it. The db is seeded, untimed: a cached snapshot of
// random values (seedSnapshot) restored into every member before the lab's etcd first starts.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakQuorum, DAMAGED_DIR, startLab, waitClusterUp, type EtcdManifestFlags, type Lab, type LabNode } from '../test/lab/index.js';
import { shellQuote as q } from '../src/plan/quote.js';
import { buildCli, REPO } from './lib/kubedr-cli.js';
import type { Metrics, PairedSuite } from './lib/paired.js';
import { runOk } from './lib/proc.js';
import { PHASE_MARK, SCRIPT_LEFTOVERS, scriptPhases, writeRestoreScript } from './lib/restore-script.js';
import { cachedSnapshot, putValues, snapshotCachePath } from './lib/snapshot-cache.js';
import { ensureTools, ETCDCTL, SCP, SSH } from './lib/tools.js';

const MIB = Number(process.env['BENCH_E2E_MIB'] ?? 4096) || 4096;
const VALUE_MIB = 1; // one value per txn: etcd's request limit is 1.5 MiB
const PREFIX = '/registry/configmaps/kubedr-bench-large/';
const TIMEOUT_MS = 60 * 60_000;
const RSS_MARK = 'kubedr-bench-maxrss-kib';
const STAGE = '/var/lib/kubedr-bench-backup';
/** etcd's default backend quota (2 GiB): a db near it needs the lab's etcd to take a higher one. */
const DEFAULT_QUOTA_MIB = 2048;
/**
 * bbolt file bytes per byte of values written as 1 MiB values (measured: 1.22 for a 1 GiB and an
 * 8 GiB db; its page allocation leaves gaps), rounded up.
 */
const DB_OVERHEAD = 1.25;
/**
 * WAL kept per member: with --snapshot-count=SNAPSHOT_COUNT etcd purges WAL files older than its
 * last snapshot (keeping 5), so at most ~SNAPSHOT_COUNT entries of 1 MiB plus 5 × 64 MiB files.
 */
const SNAPSHOT_COUNT = 1000;
const WAL_BYTES = (SNAPSHOT_COUNT + 5 * 64) * 2 ** 20;

/**
 * The lab's etcd flags for a `mib` MiB db: kubeadm's manifest plus a quota with room for the db
 * (bbolt's overhead and some headroom) once the db would come near etcd's default 2 GiB, and a
 * lower --snapshot-count so the WAL does not hold a second copy of the db (1 MiB entries; the
 * db, the snapshot and the restore are the same either way).
 */
export function labEtcdFlags(mib: number): EtcdManifestFlags {
  const dbMiB = mib * DB_OVERHEAD;
  const quota = dbMiB > DEFAULT_QUOTA_MIB * 0.9 ? { quotaBackendBytes: Math.ceil((dbMiB * 1.5) / 1024) * 2 ** 30 } : {};
  return { ...quota, snapshotCount: SNAPSHOT_COUNT };
}

interface Ctx {
  lab: Lab;
  dir: string;
  keys: number;
  backupScript: string;
  restoreScript: string;
  /** Local file the script's backup writes and its restore reads. */
  scriptSnapshot: string;
  peakRssMiB: number[];
  /** How the lab's db came to be (reported in the results' info). */
  seed: { snapshot: string; bytes: number; madeMs: number; labStartMs: number; memberDbMiB: Record<string, number> };
}

/**
 * Disk at the worst moment of a restore, all on this machine (the lab's nodes are directories
 * here), db = values × DB_OVERHEAD: per member the old data dir moved aside (db + WAL), the staged
 * snapshot and the restored db; the backup's staged copy on the member that took it and its
 * local copy; 10% margin. Each contender's copies are removed before the other runs, so only
 * one contender's count. Plus the seed snapshot when it is still to be made (seedCached false).
 */
export function diskNeededBytes(mib: number, seedCached = true): number {
  const db = mib * 2 ** 20 * DB_OVERHEAD;
  return Math.ceil((3 * (db + WAL_BYTES) + 3 * db + 3 * db + 2 * db + (seedCached ? 0 : db)) * 1.1);
}

function refuseWithoutDisk(dir: string): void {
  const st = statfsSync(dir);
  const free = st.bavail * st.bsize;
  // The seed snapshot is cached in the same temp dir: once made it is no longer free space.
  const need = diskNeededBytes(MIB, existsSync(snapshotCachePath(seedName(MIB))));
  const gib = (b: number): string => (b / 2 ** 30).toFixed(1);
  console.log(`  large-e2e: ${MIB} MiB db needs ${gib(need)} GiB free under ${dir}; ${gib(free)} GiB free`);
  if (free < need) throw new Error(`large-e2e: not enough disk under ${dir}: ${gib(need)} GiB needed for a ${MIB} MiB db, ${gib(free)} GiB free (set BENCH_E2E_MIB lower)`);
}

const seedName = (mib: number): string => `large-e2e-${mib}mib-random`;
const keyOf = (k: number): string => `${PREFIX}${String(k).padStart(6, '0')}`;

/**
 * The seed: a snapshot of `mib` random (incompressible) 1 MiB values under PREFIX, made once by
 * a throwaway single-member etcd 3.4 on /dev/shm (lib/snapshot-cache.ts) and cached in the temp
 * dir. Writing them through the lab's 3 members instead (raft, fsync on the disk, one 2-core
 * machine) took over an hour for 4096; the lab's members are restored from it before they
 * first start (startLab's etcdSeedSnapshot), so each holds the whole db as after a real fill.
 */

export function seedSnapshot(mib: number): Promise<string> {
  const keys = Math.ceil(mib / VALUE_MIB);
  return cachedSnapshot(seedName(mib), (etcd) => putValues(etcd, keys, keyOf, () => randomBytes(VALUE_MIB * 2 ** 20), 'large-e2e seed'), mib);
}

function writeBackupScript(lab: Lab, local: string, path: string): string {
  const cp1 = lab.nodes.find((n) => n.roles.includes('control-plane')) as LabNode;
  const opts = `-i ${q(lab.clientKeyPath)} -o UserKnownHostsFile=${q(lab.knownHostsPath)} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
  const ctl = 'ETCDCTL_API=3 etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key';
  const lines = [
    '#!/bin/bash',
    'set -euo pipefail',
    // Per-phase figures as the restore script writes them (a builtin echo to stderr, no process).
    `phase() { echo "${PHASE_MARK} $1 \${EPOCHREALTIME/[!0-9]/.}" >&2; }`,
    'phase save',
    `ssh ${opts} -p ${cp1.sshPort} root@${cp1.address} ${q(`set -e; mkdir -p ${STAGE}; rm -f ${STAGE}/snapshot.db; ${ctl} --endpoints=https://${cp1.address}:2379 snapshot save ${STAGE}/snapshot.db >/dev/null; sha256sum ${STAGE}/snapshot.db > ${STAGE}/snapshot.db.sha256`)}`,
    `remote=$(ssh ${opts} -p ${cp1.sshPort} root@${cp1.address} ${q(`cat ${STAGE}/snapshot.db.sha256`)})`,
    'phase download',
    `scp -q ${opts} -P ${cp1.sshPort} root@${cp1.address}:${STAGE}/snapshot.db ${q(local)}`,
    'phase localSha256',
    `sum=$(sha256sum ${q(local)}); sum=\${sum%% *}`,
    '[ "$sum" = "${remote%% *}" ] || { echo "sha256 mismatch after download" >&2; exit 1; }',
    'phase end',
    'echo "$sum"',
    '',
  ];
  writeFileSync(path, lines.join('\n'), { mode: 0o700 });
  return path;
}

/**
 * Wall time of each step of the kubedr run in `stateDir` (first task start to last task end,
 * from its journal), for steps of at least 2 s: where kubedr's time went. `<prefix>.<step>Ms`.
 */
function stepTimes(stateDir: string, prefix: string): Metrics {
  const runs = join(stateDir, 'runs');
  const run = readdirSync(runs)[0];
  if (run === undefined) return {};
  const spans = new Map<string, [number, number]>();
  for (const line of readFileSync(join(runs, run, 'journal.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { r: string; key?: string; at: string };
    if ((r.r !== 'task-start' && r.r !== 'task-end') || r.key === undefined) continue;
    const step = r.key.split('@')[0] ?? r.key;
    const at = Date.parse(r.at);
    const span = spans.get(step) ?? [at, at];
    spans.set(step, [Math.min(span[0], at), Math.max(span[1], at)]);
  }
  return Object.fromEntries([...spans].filter(([, [a, b]]) => b - a >= 2000).map(([step, [a, b]]) => [`${prefix}.${step}Ms`, b - a]));
}

/** kubedr's CLI under /usr/bin/time: its output, and its peak RSS in MiB. */
async function kubedrTimed(args: readonly string[]): Promise<{ stdout: string; peakMiB: number }> {
  const r = await runOk('/usr/bin/time', ['-f', `${RSS_MARK} %M`, process.execPath, join(REPO, 'bin', 'kubedr.js'), ...args], { cwd: REPO, timeoutMs: TIMEOUT_MS });
  const kib = Number(/kubedr-bench-maxrss-kib (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { stdout: r.stdout, peakMiB: Math.round(kib / 1024) };
}

async function setup(): Promise<Ctx> {
  await ensureTools([SSH, SCP, ETCDCTL]);
  const dir = mkdtempSync(join(tmpdir(), 'kubedr-bench-large-'));
  try {
    refuseWithoutDisk(dir);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  await buildCli();
  const keys = Math.ceil(MIB / VALUE_MIB);
  const t0 = performance.now();
  const snapshot = await seedSnapshot(MIB);
  const madeMs = Math.round(performance.now() - t0);
  let lab: Lab | undefined;
  try {
    const t1 = performance.now();
    lab = await startLab({ controlPlanes: 3, workers: 2, etcdFlags: labEtcdFlags(MIB), etcdSeedSnapshot: snapshot, clusterWaitMs: 300_000 });
    const labStartMs = Math.round(performance.now() - t1);
    // Every member holds the whole db before anything is timed: its own db size and every key.
    const memberDbMiB: Record<string, number> = {};
    for (const n of lab.nodes.filter((x) => x.roles.includes('etcd'))) {
      const url = lab.clientURL(n.name);
      const count = await lab.etcd.countPrefix(url, PREFIX, 120_000);
      if (count !== keys) throw new Error(`large-e2e: etcd on ${n.name} holds ${count} keys under ${PREFIX} after the seed, expected ${keys}`);
      const status = await lab.etcd.call<{ dbSize?: string }>(url, '/v3/maintenance/status', {}, 60_000);
      memberDbMiB[n.name] = Math.round(Number(status.dbSize) / 2 ** 20);
    }
    const bytes = statSync(snapshot).size;
    console.log(`  large-e2e: seed ${snapshot} (${Math.round(bytes / 2 ** 20)} MiB, ${keys} values of ${VALUE_MIB} MiB; ${madeMs} ms to find or make it); lab up with it in ${labStartMs} ms; member dbs ${JSON.stringify(memberDbMiB)} MiB (load ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    const seed = { snapshot, bytes, madeMs, labStartMs, memberDbMiB };
    const scriptSnapshot = join(dir, 'script-snapshot.db');
    const backupScript = writeBackupScript(lab, scriptSnapshot, join(dir, 'backup-by-hand.sh'));
    // The digest is only known once the backup ran: the restore script reads it from SNAP_SHA.
    const restoreScript = writeRestoreScript({ lab, snapshot: scriptSnapshot, sha256: '"$SNAP_SHA"', damagedDir: DAMAGED_DIR }, join(dir, 'restore-by-hand.sh'));
    return { lab, dir, keys, backupScript, restoreScript, scriptSnapshot, peakRssMiB: [], seed };
  } catch (e) {
    await lab?.down();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The restore worked (members, apiservers, every key), then clear what either contender left. */
async function checkAndClean(ctx: Ctx): Promise<void> {
  const { lab } = ctx;
  try {
    await waitClusterUp(lab, 300_000);
    const n = await lab.etcd.countPrefix(lab.clientURL('cp1'), PREFIX, 60_000);
    if (n !== ctx.keys) throw new Error(`after the restore etcd holds ${n} keys, expected ${ctx.keys}`);
  } finally {
    for (const node of lab.nodes) {
      const varLib = lab.hostPath(node.name, '/var/lib');
      for (const e of readdirSync(varLib)) {
        if (e.startsWith('etcd.kubedr-before-') || `/var/lib/${e}`.startsWith(SCRIPT_LEFTOVERS.oldDataPrefix)) rmSync(join(varLib, e), { recursive: true, force: true });
      }
      for (const p of ['/var/lib/kubedr', STAGE, SCRIPT_LEFTOVERS.stage, '/etc/kubernetes/kubedr-stash', SCRIPT_LEFTOVERS.stash]) rmSync(lab.hostPath(node.name, p), { recursive: true, force: true });
    }
    for (const e of readdirSync(ctx.dir)) if (e.startsWith('round-') || e === 'script-snapshot.db') rmSync(join(ctx.dir, e), { recursive: true, force: true });
  }
}

const SCRIPT_NAME = `backup + restore ${MIB} MiB, 3+2 lab: script (etcdctl + scp + sha256sum)`;

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  suite: 'large-e2e',
  description: `etcd-backup (save, download, sha256) then ha-restore from that backup (distribution to 3 members, restore, verify) of a ${MIB} MiB db on the 3+2 lab: kubedr CLI vs a script`,
  rounds: Number(process.env['BENCH_ROUNDS'] ?? 1) || 1,
  warmup: false,
  setup,
  teardown: async (ctx) => {
    await ctx.lab.down();
    rmSync(ctx.dir, { recursive: true, force: true });
  },
  info: (ctx) => ({
    dbMiB: MIB,
    keys: ctx.keys,
    diskNeededGiB: Math.round((diskNeededBytes(MIB) / 2 ** 30) * 10) / 10,
    kubedrPeakRssMiB: ctx.peakRssMiB,
    seed: { ...ctx.seed, how: 'etcdctl snapshot restore of the cached seed into each member before etcd first starts (startLab etcdSeedSnapshot); the seed: one throwaway etcd 3.4 on /dev/shm, random 1 MiB values, etcdctl snapshot save' },
    kubedr: 'node bin/kubedr.js run -r runbooks/etcd-backup.yaml, then run -r runbooks/ha-restore.yaml --param backup=DIR (each under /usr/bin/time for peak RSS)',
    script: 'bash: ssh etcdctl snapshot save + sha256sum on cp1, scp down, sha256sum; then lib/restore-script.ts (scp to 3 members, sha256sum there, etcdctl snapshot restore, start, workers rejoined)',
  }),
  contenders: [
    {
      name: SCRIPT_NAME,
      run: async (ctx) => {
        const t0 = performance.now();
        const b = await runOk('bash', [ctx.backupScript], { timeoutMs: TIMEOUT_MS });
        const sha = b.stdout.trim();
        const backupMs = performance.now() - t0;
        await waitClusterUp(ctx.lab, 300_000);
        await breakQuorum(ctx.lab);
        const t1 = performance.now();
        const r = await runOk('bash', [ctx.restoreScript], { timeoutMs: TIMEOUT_MS, env: { ...process.env, SNAP_SHA: sha } });
        const restoreMs = performance.now() - t1;
        const phases = (prefix: string, stderr: string): Metrics => Object.fromEntries(Object.entries(scriptPhases(stderr)).map(([k, v]) => [`${prefix}.${k}`, v]));
        return { ms: backupMs + restoreMs, metrics: { backupMs: Math.round(backupMs), restoreMs: Math.round(restoreMs), ...phases('backup', b.stderr), ...phases('restore', r.stderr) } };
      },
      after: (ctx) => checkAndClean(ctx),
    },
    {
      name: `backup + restore ${MIB} MiB, 3+2 lab: kubedr CLI`,
      baseline: SCRIPT_NAME,
      goal: { max: 1, text: 'kubedr ≤ 1.0× the script' },
      run: async (ctx, round) => {
        const state = join(ctx.dir, `round-${round + 1}`);
        const backups = join(state, 'backups');
        mkdirSync(backups, { recursive: true });
        const common = ['-i', ctx.lab.inventoryPath, '--yes', '--rollback', 'never'];
        const t0 = performance.now();
        const b = await kubedrTimed(['run', '-r', join(REPO, 'runbooks', 'etcd-backup.yaml'), ...common, '--state-dir', join(state, 'state-backup'), '--param', `backupDir=${backups}`]);
        const backupMs = performance.now() - t0;
        const backup = join(backups, readdirSync(backups).find((e) => !e.startsWith('.')) ?? '');
        await waitClusterUp(ctx.lab, 300_000);
        await breakQuorum(ctx.lab);
        const t1 = performance.now();
        const r = await kubedrTimed(['run', '-r', join(REPO, 'runbooks', 'ha-restore.yaml'), ...common, '--state-dir', join(state, 'state-restore'), '--param', `backup=${backup}`, '--param', `manifestSearchPath=${DAMAGED_DIR}`]);
        const restoreMs = performance.now() - t1;
        ctx.peakRssMiB.push(b.peakMiB, r.peakMiB);
        const metrics: Metrics = {
          backupMs: Math.round(backupMs), restoreMs: Math.round(restoreMs), backupPeakRssMiB: b.peakMiB, restorePeakRssMiB: r.peakMiB,
          ...stepTimes(join(state, 'state-backup'), 'backup'), ...stepTimes(join(state, 'state-restore'), 'restore'),
        };
        return { ms: backupMs + restoreMs, metrics };
      },
      after: (ctx) => checkAndClean(ctx),
    },
  ],
};
export default suite;

if (process.argv[2] === '--make') {
  // Makes (or finds) the cached seed only: `npx tsx bench/large-e2e.bench.ts --make`.
  const t0 = performance.now();
  const file = await seedSnapshot(MIB);
  console.log(`${file} ${statSync(file).size} bytes (${Math.round(performance.now() - t0)} ms)`);
}
