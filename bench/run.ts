// Benchmark runner (`npm run bench [filter]`): imports every bench/*.bench.ts, runs each case
// (warm-up, then timed iterations), and writes bench/results/<suite>.json. Figures are compared
// as ratios against a baseline case of the same suite, measured in the same run.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

export interface BenchCase {
  name: string;
  /** Name of the case in the same suite this one is compared with (ratio = median / baseline median). */
  baseline?: string;
  /** Untimed preparation; its result is passed to `run`. */
  setup?: () => unknown;
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

interface CaseResult { name: string; iterations: number; medianMs: number; minMs: number; maxMs: number; baseline?: string; ratio?: number; targetMs?: number; targetMet?: boolean }

async function runCase(c: BenchCase): Promise<CaseResult> {
  const prepared = c.setup?.();
  await c.run(prepared); // warm-up: JIT, caches, ajv compile
  const times: number[] = [];
  for (let i = 0; i < (c.iterations ?? 10); i++) {
    const start = performance.now();
    await c.run(prepared);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const r: CaseResult = { name: c.name, iterations: times.length, medianMs: round(times[Math.floor(times.length / 2)] ?? 0), minMs: round(times[0] ?? 0), maxMs: round(times.at(-1) ?? 0) };
  if (c.targetMs !== undefined) Object.assign(r, { targetMs: c.targetMs, targetMet: r.medianMs < c.targetMs });
  return r;
}

const round = (n: number) => Math.round(n * 100) / 100;

async function main(filter: string | undefined): Promise<void> {
  const dir = new URL('.', import.meta.url);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
  await mkdir(new URL('results/', dir), { recursive: true });
  for (const file of files) {
    const { default: suite } = (await import(new URL(file, dir).href)) as { default: BenchSuite };
    const results: CaseResult[] = [];
    for (const c of suite.cases) results.push(await runCase(c));
    for (const r of results) {
      const base = results.find((b) => b.name === suite.cases.find((c) => c.name === r.name)?.baseline);
      if (base && base.medianMs > 0) Object.assign(r, { baseline: base.name, ratio: round(r.medianMs / base.medianMs) });
      const target = r.targetMs === undefined ? '' : ` target <${r.targetMs}ms ${r.targetMet ? 'met' : 'MISSED'}`;
      console.log(`${suite.suite.padEnd(10)} ${r.name.padEnd(40)} median ${String(r.medianMs).padStart(9)} ms  min ${String(r.minMs).padStart(9)} ms${r.ratio === undefined ? '' : `  ×${r.ratio} vs ${r.baseline ?? ''}`}${target}`);
    }
    const out = { suite: suite.suite, node: process.version, cpus: (await import('node:os')).cpus().length, at: new Date().toISOString(), results };
    await writeFile(new URL(`results/${suite.suite}.json`, dir), `${JSON.stringify(out, null, 2)}\n`);
  }
}

await main(process.argv[2]);
