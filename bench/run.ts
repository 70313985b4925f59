// Benchmark runner (`npm run bench [filter…]`): imports every bench/*.bench.ts whose name contains
// a filter (all without one) and runs its suite. Two kinds of suite:
//  - case suites (`{ suite, cases }`): in-process micro-benchmarks, warm-up then timed iterations;
//  - paired suites (`kind: 'paired'`, see lib/paired.ts): contenders interleaved round by round,
//    ratios taken per round against a baseline measured in the same round.
// Prints one table for everything that ran and writes bench/results/<suite>.json (with the
// machine description) plus bench/results/latest.json (every suite's latest rows).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { describeMachine, type Machine } from './lib/machine.js';
import { runPaired, type PairedSuite, type Row } from './lib/paired.js';
import { formatMs, spread } from './lib/stats.js';

export interface BenchCase {
  name: string;
  /** Name of the case in the same suite this one is compared with (ratio = median / baseline median). */
  baseline?: string;
  /** Untimed preparation; its result is passed to `run`. */
  setup?: () => unknown;
  /** May return `{ metrics: { name: value } }` (e.g. peak RSS) to be reported beside the time. */
  run: (prepared: unknown) => unknown;
  /** @default 10 */
  iterations?: number;
  /** An absolute target (ms, median), reported as met or not; never a test failure. */
  targetMs?: number;
}

export interface BenchSuite {
  suite: string;
  cases: BenchCase[];
}

async function runCase(suite: string, c: BenchCase): Promise<Row> {
  const prepared = c.setup?.();
  await c.run(prepared); // warm-up: JIT, caches, ajv compile
  const times: number[] = [];
  const metrics = new Map<string, number[]>();
  for (let i = 0; i < (c.iterations ?? 10); i++) {
    const start = performance.now();
    const out = (await c.run(prepared)) as { metrics?: Record<string, number> } | undefined;
    times.push(performance.now() - start);
    for (const [k, v] of Object.entries(out?.metrics ?? {})) metrics.set(k, [...(metrics.get(k) ?? []), v]);
  }
  const row: Row = { suite, name: c.name, runs: times.length, ms: spread(times) };
  if (metrics.size > 0) row.metrics = Object.fromEntries([...metrics].map(([k, v]) => [k, spread(v)]));
  if (c.targetMs !== undefined) Object.assign(row, { goal: `median < ${c.targetMs} ms`, goalMet: row.ms.median < c.targetMs });
  return row;
}

async function runCaseSuite(s: BenchSuite): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of s.cases) rows.push(await runCase(s.suite, c));
  for (const r of rows) {
    const base = rows.find((b) => b.name === s.cases.find((c) => c.name === r.name)?.baseline);
    if (base && base.ms.median > 0) Object.assign(r, { baseline: base.name, ratio: spread([r.ms.median / base.ms.median]) });
  }
  return rows;
}

function table(rows: readonly Row[]): string {
  const head = ['suite', 'case', 'n', 'median', 'min', 'max', 'ratio (median [min–max]) vs baseline', 'goal', 'other (median [min–max])'];
  const cells = rows.map((r) => [
    r.suite,
    r.name,
    String(r.runs),
    formatMs(r.ms.median),
    formatMs(r.ms.min),
    formatMs(r.ms.max),
    r.ratio ? `${r.ratio.median} [${r.ratio.min}–${r.ratio.max}] vs ${r.baseline ?? ''}` : '',
    r.goal ? `${r.goal}: ${r.goalMet ? 'met' : 'MISSED'}` : '',
    Object.entries(r.metrics ?? {}).map(([k, v]) => `${k} ${v.median} [${v.min}–${v.max}]`).join('; '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}

async function main(filters: string[]): Promise<void> {
  const dir = new URL('.', import.meta.url);
  const resultsDir = new URL('results/', dir);
  // large-*.bench.ts are opt-in (tens of GiB of disk, most of an hour): only when a filter names them.
  const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 ? !f.startsWith('large-') : filters.some((x) => f.includes(x)))).sort();
  await mkdir(resultsDir, { recursive: true });
  const machine: Machine = await describeMachine();
  console.log(`machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memTotalGiB} GiB RAM, load ${machine.loadAvgAtStart.join(' ')}; node ${machine.node}; ${machine.etcd}; ${machine.ansible}; ${machine.openssh}`);
  const all: Row[] = [];
  const failures: string[] = [];
  for (const file of files) {
    const startedAt = new Date().toISOString();
    const loadAtStart = (await import('node:os')).loadavg().map((l) => Math.round(l * 100) / 100);
    const { default: suite } = (await import(new URL(file, dir).href)) as { default: BenchSuite | PairedSuite };
    console.log(`\n== ${suite.suite} (${file})`);
    let rows: Row[];
    let info: Record<string, unknown> = {};
    try {
      if ('kind' in suite) ({ rows, info } = await runPaired(suite, (l) => console.log(l)));
      else rows = await runCaseSuite(suite);
    } catch (e) {
      // One suite failing (a baseline tool missing, a lab that would not start) never hides the others.
      failures.push(`${suite.suite}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      console.error(`bench ${suite.suite} failed: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    console.log(table(rows));
    all.push(...rows);
    const out = { suite: suite.suite, ...('description' in suite ? { description: suite.description } : {}), startedAt, finishedAt: new Date().toISOString(), loadAvgAtStart: loadAtStart, machine, info, results: rows };
    await writeFile(new URL(`${suite.suite}.json`, resultsDir), `${JSON.stringify(out, null, 2)}\n`);
  }
  await writeLatest(resultsDir);
  if (all.length > 0) console.log(`\n== all suites of this run\n${table(all)}`);
  if (failures.length > 0) {
    console.error(`\n${failures.length} suite(s) failed:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

/** latest.json: the newest rows of every suite in results/, each with its machine and time. */
async function writeLatest(resultsDir: URL): Promise<void> {
  const suites: unknown[] = [];
  for (const f of (await readdir(resultsDir)).filter((x) => x.endsWith('.json') && x !== 'latest.json').sort()) {
    const r = JSON.parse(await readFile(new URL(f, resultsDir), 'utf8')) as { suite: string; startedAt?: string; at?: string; machine?: unknown; loadAvgAtStart?: unknown; results: unknown };
    suites.push({ suite: r.suite, at: r.startedAt ?? r.at, loadAvgAtStart: r.loadAvgAtStart, machine: r.machine, results: r.results });
  }
  await writeFile(new URL('latest.json', resultsDir), `${JSON.stringify({ suites }, null, 2)}\n`);
}

await main(process.argv.slice(2));
