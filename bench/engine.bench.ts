// Engine overhead: 1,000 nodes × 20 no-op steps (20,000 tasks) against an in-memory transport,
// with the real fsync'd journal. Baseline in the same run: the same plan with a journal that
// keeps records in memory, so the ratio shows what durability costs. Run alone:
//   npx tsx bench/engine.bench.ts
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { executePlan, type EngineOptions } from '../src/engine/index.js';
import { JournalWriter, type JournalSink } from '../src/journal/index.js';
import type { ExecResult, Plan, PlanStep, Transport } from '../src/model/index.js';

const NODES = 1000;
const STEPS = 20;
const CONCURRENCY = 64;

function benchPlan(): Plan {
  const nodes = Array.from({ length: NODES }, (_, i) => `node-${i}`);
  const steps: PlanStep[] = Array.from({ length: STEPS }, (_, s) => ({
    id: `s${s}`,
    name: `step ${s}`,
    phase: 'main',
    concurrency: { mode: 'parallel' },
    retry: { attempts: 1, backoffMs: 0 },
    timeoutMs: 10_000,
    idempotent: false,
    onFailure: { mode: 'stop' },
    skipped: false,
    tasks: nodes.map((node) => ({ key: `s${s}@${node}`, stepId: `s${s}`, node, action: { kind: 'shell', script: { parts: [{ t: 'lit', v: 'true' }] }, sudo: false }, undo: { kind: 'shell', script: { parts: [{ t: 'lit', v: 'true' }] }, sudo: false } })),
  }));
  const body = {
    version: 1 as const,
    runbook: { name: 'bench', source: 'bench.yaml', hash: 'x' },
    inventory: { cluster: 'bench', source: 'inv.yaml', hash: 'y' },
    params: {},
    secretParams: [],
    nodes: nodes.map((name) => ({ name, address: '127.0.0.1', port: 22, user: 'root', roles: [] })),
    phases: [{ name: 'main', steps }],
  };
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}

const noop: Transport = {
  exec: (): Promise<ExecResult> => Promise.resolve({ exitCode: 0, stdout: '', stderr: '', durationMs: 0 }),
  upload: () => Promise.reject(new Error('unused')),
  download: () => Promise.reject(new Error('unused')),
  close: () => Promise.resolve(),
};

const opts: EngineOptions = { runId: 'bench', mode: 'run', secrets: {}, concurrency: CONCURRENCY, yes: true, rollback: 'never', outputCap: 65536, nodeLock: false, operator: 'bench@host' };

async function once(plan: Plan, journal: JournalSink): Promise<{ ms: number; peakRss: number; events: number }> {
  let events = 0;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const r = await executePlan(plan, { transport: noop, localTransport: noop, journal, sinks: [() => events++], now: Date.now, sleep: () => Promise.resolve(), approve: () => Promise.resolve(true) }, opts);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (r.outcome !== 'done') throw new Error(`bench run ended ${r.outcome}`);
  return { ms, peakRss, events };
}

export async function run(): Promise<Record<string, number>> {
  const plan = benchPlan();
  const tasks = NODES * STEPS;
  const base = await once(plan, { append: () => Promise.resolve() });
  const dir = await mkdtemp(join(tmpdir(), 'kubedr-bench-'));
  try {
    const journal = await JournalWriter.open(join(dir, 'journal.jsonl'));
    const real = await once(plan, journal);
    await journal.close();
    return {
      tasks,
      concurrency: CONCURRENCY,
      'fsync journal: total ms': Math.round(real.ms),
      'fsync journal: µs per task': Math.round((real.ms * 1000) / tasks),
      'fsync journal: fsyncs': journal.fsyncs,
      'fsync journal: peak RSS MiB': Math.round(real.peakRss / 2 ** 20),
      'memory journal (baseline): µs per task': Math.round((base.ms * 1000) / tasks),
      'ratio fsync / baseline': Math.round((real.ms / base.ms) * 100) / 100,
      events: real.events,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Suite for bench/run.ts on main (`npm run bench engine`): default export with cases, the
 * in-memory journal as the baseline. Typed structurally so this file stands alone.
 */
// Time per task and peak RSS go into the common bench table beside the wall time.
const perTask = (r: { ms: number; peakRss: number }): { metrics: Record<string, number> } => ({
  metrics: { 'µs/task': Math.round((r.ms * 1000) / (NODES * STEPS)), 'peak RSS MiB': Math.round(r.peakRss / 2 ** 20) },
});

async function fsyncCase(): Promise<{ metrics: Record<string, number> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kubedr-bench-'));
  try {
    const journal = await JournalWriter.open(join(dir, 'journal.jsonl'));
    const r = await once(benchPlan(), journal);
    await journal.close();
    return perTask(r);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const suite: { suite: string; cases: { name: string; baseline?: string; iterations?: number; run: () => Promise<unknown> }[] } = {
  suite: 'engine',
  cases: [
    { name: `${NODES} nodes x ${STEPS} steps, memory journal`, iterations: 5, run: async () => perTask(await once(benchPlan(), { append: () => Promise.resolve() })) },
    { name: `${NODES} nodes x ${STEPS} steps, fsync journal`, baseline: `${NODES} nodes x ${STEPS} steps, memory journal`, iterations: 5, run: fsyncCase },
  ],
};
export default suite;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await run());
}
