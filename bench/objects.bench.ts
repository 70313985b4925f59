// Object-level restore at scale (issue 15): a 1-member lab etcd (TLS, real SSH) holding 100,000
// keys (BENCH_OBJECTS_KEYS), of which a selection of 1,000 (BENCH_OBJECTS_SELECTED) is diffed and
// restored from a snapshot. Contenders, each a new process: the raw read an operator would do
// by hand (ssh + `etcdctl get --prefix -w json` of the selection: the baseline), `kubedr objects
// diff` and `kubedr objects restore --overwrite --prune --yes` (before each restore, untimed, the
// whole selection is deleted live, so every key is written back in guarded txns), and an idle
// `kubedr --version` for memory. Peak RSS of each kubedr process is measured with /usr/bin/time:
// the snapshot side is streamed page by page, so it must not grow with the snapshot.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, takeSnapshot, type Lab, type Snapshot } from '../test/lab/index.js';
import { encodeKubeObject } from '../test/etcd/snapshot/kube-proto.js';
import { writeInventory } from '../test/e2e/support.js';
import { buildCli, REPO } from './lib/kubedr-cli.js';
import type { PairedSuite } from './lib/paired.js';
import { run } from './lib/proc.js';
import { ensureTools, ETCDCTL } from './lib/tools.js';

const KEYS = Number(process.env['BENCH_OBJECTS_KEYS'] ?? 100_000) || 100_000;
const SELECTED = Number(process.env['BENCH_OBJECTS_SELECTED'] ?? 1_000) || 1_000;
const SEL_PREFIX = '/registry/configmaps/bench-sel/';
const TIMEOUT_MS = 15 * 60_000;

interface Ctx {
  lab: Lab;
  dir: string;
  inventory: string;
  snapshot: Snapshot;
  snapshotMiB: number;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const value = (ns: string, n: number): Buffer => encodeKubeObject({
  apiVersion: 'v1', kind: 'ConfigMap', name: `cm-${n}`, namespace: ns, uid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, creationSeconds: 1_767_225_600 + n, body: Buffer.alloc(200, n % 251),
});

async function fill(lab: Lab): Promise<void> {
  const endpoint = lab.clientURL('cp1');
  for (let i = 0; i < KEYS; i += 100) {
    const success = Array.from({ length: Math.min(100, KEYS - i) }, (_, j) => {
      const n = i + j;
      const key = n < SELECTED ? `${SEL_PREFIX}cm-${String(n).padStart(6, '0')}` : `/registry/configmaps/ns-${n % 100}/cm-${n}`;
      return { request_put: { key: b64(key), value: b64(value(n < SELECTED ? 'bench-sel' : `ns-${n % 100}`, n)) } };
    });
    await lab.etcd.call(endpoint, '/v3/kv/txn', { success }, 30_000);
  }
}

async function setup(): Promise<Ctx> {
  await ensureTools([ETCDCTL]);
  await buildCli();
  const dir = mkdtempSync(join(tmpdir(), 'kubedr-bench-objects-'));
  let lab: Lab | undefined;
  try {
    lab = await startLab({ controlPlanes: 1, workers: 0 });
    const t0 = performance.now();
    await fill(lab);
    const snapshot = await takeSnapshot(lab, 'cp1', join(dir, 'snapshot.db'));
    const snapshotMiB = Math.round(statSync(snapshot.path).size / 2 ** 20);
    console.log(`  ${KEYS} keys written (${SELECTED} selected), snapshot ${snapshotMiB} MiB, in ${Math.round(performance.now() - t0)} ms`);
    return { lab, dir, inventory: writeInventory(lab, dir, 'inventory'), snapshot, snapshotMiB };
  } catch (e) {
    await lab?.down();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A kubedr process under /usr/bin/time: wall time is measured by the harness, peak RSS here. */
async function kubedr(args: readonly string[], okCodes: readonly number[] = [0]): Promise<{ metrics: Record<string, number> }> {
  const r = await run('/usr/bin/time', ['-f', 'maxrss_kib=%M', process.execPath, join(REPO, 'bin', 'kubedr.js'), ...args], { cwd: REPO, env: process.env, timeoutMs: TIMEOUT_MS });
  if (!okCodes.includes(r.code ?? -1)) throw new Error(`kubedr ${args.slice(0, 2).join(' ')} exited ${String(r.code)}: ${r.stderr.trim().split('\n').slice(-6).join('\n')}`);
  const kib = Number(/maxrss_kib=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { metrics: { peakRssMb: Math.round(kib / 102.4) / 10 } };
}

/**
 * Where a restore's time went, from its journal: before the first record (start-up, snapshot
 * scan, live read, diff, plan), the guarded writes (first intent to last result), the rest.
 */
function restorePhases(stateDir: string, startedAt: number, endedAt: number): Record<string, number> {
  const runs = join(stateDir, 'runs');
  const id = readdirSync(runs)[0] ?? '';
  const recs = readFileSync(join(runs, id, 'objects-journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { r: string; at: string });
  const t = (r: string, last = false): number => Date.parse((last ? recs.filter((x) => x.r === r).at(-1) : recs.find((x) => x.r === r))?.at ?? '');
  return { readAndDiffMs: t('start') - startedAt, writesMs: t('result', true) - t('intent'), restMs: endedAt - t('result', true) };
}

async function deleteSelection(ctx: Ctx): Promise<void> {
  const end = Buffer.from(SEL_PREFIX);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  await ctx.lab.etcd.call(ctx.lab.clientURL('cp1'), '/v3/kv/deleterange', { key: b64(SEL_PREFIX), range_end: end.toString('base64') }, 30_000);
}

async function checkRestored(ctx: Ctx, round: number): Promise<void> {
  const n = await ctx.lab.etcd.countPrefix(ctx.lab.clientURL('cp1'), SEL_PREFIX, 30_000);
  rmSync(join(ctx.dir, `state-${round}`), { recursive: true, force: true });
  if (n !== SELECTED) throw new Error(`after the restore the selection holds ${n} keys, expected ${SELECTED}`);
}

const BASELINE = `ssh + etcdctl get --prefix of the ${SELECTED}-key selection`;
const select = ['--select', 'configmaps/bench-sel', '--skip-hash-check'];

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  suite: 'objects',
  description: `objects diff and restore of a ${SELECTED}-key selection on a cluster of ${KEYS} keys (1-member lab etcd, TLS, SSH)`,
  setup,
  teardown: async (ctx) => {
    await ctx.lab.down();
    rmSync(ctx.dir, { recursive: true, force: true });
  },
  info: (ctx) => ({ keys: KEYS, selected: SELECTED, snapshotMiB: ctx.snapshotMiB, kubedr: 'node bin/kubedr.js under /usr/bin/time (new process per run)' }),
  contenders: [
    {
      name: BASELINE,
      run: async (ctx) => {
        const cmd = `ETCDCTL_API=3 etcdctl --endpoints ${ctx.lab.clientURL('cp1')} --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key get ${SEL_PREFIX} --prefix -w json | wc -c`;
        const r = await ctx.lab.ssh('cp1', cmd, { timeoutMs: TIMEOUT_MS });
        if (r.code !== 0) throw new Error(`baseline read failed: ${r.stderr}`);
        return undefined;
      },
    },
    { name: 'kubedr --version (idle process, memory baseline)', baseline: BASELINE, run: () => kubedr(['--version']) },
    { name: `kubedr objects diff (${SELECTED} of ${KEYS} keys)`, baseline: BASELINE, run: (ctx) => kubedr(['objects', 'diff', ctx.snapshot.path, '-i', ctx.inventory, ...select, '-o', 'json'], [0, 1]) },
    {
      name: `kubedr objects restore (${SELECTED} keys written of ${KEYS})`,
      baseline: BASELINE,
      before: deleteSelection,
      run: async (ctx, round) => {
        const startedAt = Date.now();
        const out = await kubedr(['objects', 'restore', ctx.snapshot.path, '-i', ctx.inventory, ...select, '--overwrite', '--prune', '--yes', '--state-dir', join(ctx.dir, `state-${round}`), '-o', 'json']);
        return { metrics: { ...out.metrics, ...restorePhases(join(ctx.dir, `state-${round}`), startedAt, Date.now()) } };
      },
      after: (ctx, round) => checkRestored(ctx, round),
    },
  ],
};
export default suite;
