// Benchmark: `snapshot inspect` of a large etcd 3.4 snapshot, time and peak RSS, as ratios
// against baselines measured in the same run (streamed sha256 of the file; an idle process
// that loaded the same modules). Run alone: `npx tsx bench/snapshot-inspect.bench.ts`.
// KUBEDR_BENCH_SNAPSHOT_MB sets the snapshot size (default 1024, written as 1 MiB values);
// KUBEDR_BENCH_SNAPSHOT_KEYS (default 0 = skip) adds a snapshot of that many small Kubernetes
// objects, where memory is dominated by the live-key index. Snapshots are generated once with a
// throwaway etcd and cached in the temp dir (lib/snapshot-cache.ts).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getSnapshotValue, inspectSnapshot } from '../src/app/snapshot.js';
import { pod } from '../test/etcd/snapshot/cluster-writes.js';
import { cachedSnapshot, putValues } from './lib/snapshot-cache.js';
import type { BenchSuite } from './run.js';

const THIS = fileURLToPath(import.meta.url);
const ROOT = join(dirname(THIS), '..');
const VALUE = 1 << 20;

type Mode = 'idle' | 'sha256' | 'inspect' | 'inspect-skip-hash' | 'get';

/** Measures inspect/get against the baselines; returns flat metrics for bench/run.ts. */
export async function run(): Promise<Record<string, number>> {
  const megabytes = Number(process.env.KUBEDR_BENCH_SNAPSHOT_MB ?? 1024);
  const file = await ensureSnapshot(megabytes);
  const size = statSync(file).size;
  // Warm the OS page cache first: otherwise whichever mode runs first pays for the disk.
  await measure('sha256', file);
  const m: Record<Mode, { ms: number; maxRssMb: number }> = {
    idle: await measure('idle', file),
    sha256: await measure('sha256', file),
    inspect: await measure('inspect', file),
    'inspect-skip-hash': await measure('inspect-skip-hash', file),
    get: await measure('get', file),
  };
  return {
    ...(await measureManyKeys(Number(process.env.KUBEDR_BENCH_SNAPSHOT_KEYS ?? 0), m.idle.maxRssMb)),
    snapshot_mb: Math.round(size / 2 ** 20),
    inspect_ms: m.inspect.ms,
    inspect_skip_hash_ms: m['inspect-skip-hash'].ms,
    get_ms: m.get.ms,
    sha256_baseline_ms: m.sha256.ms,
    inspect_vs_sha256_ratio: round(m.inspect.ms / m.sha256.ms),
    inspect_mb_per_s: round(size / 2 ** 20 / (m.inspect.ms / 1000)),
    idle_peak_rss_mb: m.idle.maxRssMb,
    sha256_peak_rss_mb: m.sha256.maxRssMb,
    inspect_peak_rss_mb: m.inspect.maxRssMb,
    get_peak_rss_mb: m.get.maxRssMb,
    inspect_extra_rss_mb: round(m.inspect.maxRssMb - m.idle.maxRssMb),
    inspect_rss_vs_idle_ratio: round(m.inspect.maxRssMb / m.idle.maxRssMb),
  };
}

/** Peak RSS and time for a snapshot of `keys` small objects; the live-key index dominates memory. */
async function measureManyKeys(keys: number, idleRssMb: number): Promise<Record<string, number>> {
  if (keys <= 0) return {};
  const file = await cachedSnapshot(`${keys}keys`, async (etcd) => {
    for (let i = 0; i < keys; i += 128) {
      const batch = Array.from({ length: Math.min(128, keys - i) }, (_, j) => i + j);
      await Promise.all(batch.map((n) => etcd.put(`/registry/pods/ns-${n % 50}/pod-${n}`, pod('v1', 'Pod', `pod-${n}`, `ns-${n % 50}`, n, Buffer.alloc(300, 1)))));
    }
  });
  const inspect = await measure('inspect', file);
  return {
    many_keys_live: keys,
    many_keys_snapshot_mb: Math.round(statSync(file).size / 2 ** 20),
    many_keys_inspect_ms: inspect.ms,
    many_keys_peak_rss_mb: inspect.maxRssMb,
    many_keys_extra_rss_mb: round(inspect.maxRssMb - idleRssMb),
    many_keys_bytes_per_key: Math.round(((inspect.maxRssMb - idleRssMb) * 2 ** 20) / keys),
  };
}

/** Writes `megabytes` of 1 MiB values into a throwaway etcd and saves a snapshot (cached). */
function ensureSnapshot(megabytes: number): Promise<string> {
  // Distinct, poorly compressible content per value: nothing is shared between keys.
  const value = (n: number): Buffer => Buffer.alloc(VALUE - 4096, createHash('sha256').update(String(n)).digest());
  return cachedSnapshot(`${megabytes}mb`, (etcd) => putValues(etcd, megabytes, (n) => `/registry/configmaps/bench/cm-${n}`, value, 'snapshot-inspect'), megabytes);
}

/** Runs one mode in a fresh child process so its peak RSS is its own. */
function measure(mode: Mode, file: string): Promise<{ ms: number; maxRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', THIS, '--child', mode, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${mode} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number; maxRssMb: number });
    });
  });
}

async function runChild(mode: Mode, file: string): Promise<void> {
  const t0 = performance.now();
  if (mode === 'sha256') {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    hash.digest();
  } else if (mode === 'inspect') inspectSnapshot(file);
  else if (mode === 'inspect-skip-hash') inspectSnapshot(file, { skipHashCheck: true });
  else if (mode === 'get') getSnapshotValue(file, '/registry/configmaps/bench/cm-7', { skipHashCheck: true });
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: round(process.resourceUsage().maxRSS / 1024) })}\n`);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * For `npm run bench`: each iteration is one full measurement (every mode in its own child
 * process); the rows' metrics are the medians over iterations. The case's own time is the whole
 * measurement and means nothing by itself.
 */
const suite: BenchSuite = {
  suite: 'snapshot-inspect',
  cases: [{ name: `snapshot inspect of a ${Number(process.env.KUBEDR_BENCH_SNAPSHOT_MB ?? 1024)} MiB snapshot (time and peak RSS vs sha256 and an idle process)`, run: async () => ({ metrics: await run() }), iterations: Number(process.env.BENCH_ROUNDS ?? 5) || 5 }],
};
export default suite;

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await runChild(args[1] as Mode, args[2] ?? '');
} else if (args[0] === '--make') {
  // Builds (or finds) the cached snapshot only: a multi-GiB one takes minutes of etcd writes.
  console.log(await ensureSnapshot(Number(process.env.KUBEDR_BENCH_SNAPSHOT_MB ?? 1024)));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await run(), null, 2));
}
