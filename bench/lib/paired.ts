// Paired suites: several contenders doing the same work, interleaved round by round
// (A,B,C then C,B,A …) so that load drifts on a shared machine hit all of them. Ratios are
// computed per round against the baseline, then summarised (median, min, max).
import { performance } from 'node:perf_hooks';
import { pairedRatios, spread, type Spread } from './stats.js';

/** What a contender may report besides its wall time (e.g. peak RSS), one value per run. */
export type Metrics = Record<string, number>;

export interface Contender<C> {
  name: string;
  /** Contender this one is compared with: ratio = this run's time / the baseline's, same round. */
  baseline?: string;
  /** Goal on the median ratio, e.g. { max: 0.1, text: '≥10× faster than Ansible' }. */
  goal?: { max?: number; min?: number; text: string };
  /** The timed work. Returning `ms` overrides the wall time (e.g. to exclude a part). */
  run: (ctx: C, round: number) => Promise<{ ms?: number; metrics?: Metrics } | undefined>;
  /** Untimed preparation before every run (e.g. break the cluster again). */
  before?: (ctx: C, round: number) => Promise<void>;
  /** Take part in the untimed warm-up round. @default true */
  warmup?: boolean;
  /** Untimed clean-up after every run (also after the warm-up). */
  after?: (ctx: C, round: number) => Promise<void>;
}

export interface PairedSuite<C = unknown> {
  kind: 'paired';
  suite: string;
  description: string;
  /** @default BENCH_ROUNDS or 5 */
  rounds?: number;
  /** One untimed round first (page cache, JIT, sshd's first fork). @default true */
  warmup?: boolean;
  setup: () => Promise<C>;
  /** Always called, also when a run fails (labs, temp files). */
  teardown: (ctx: C) => Promise<void>;
  /** Facts recorded with the results (sizes, versions, how each contender was run); called after the rounds. */
  info?: (ctx: C) => Record<string, unknown>;
  contenders: Contender<C>[];
}

export interface Row {
  suite: string;
  name: string;
  runs: number;
  ms: Spread;
  baseline?: string;
  ratio?: Spread;
  goal?: string;
  goalMet?: boolean;
  metrics?: Record<string, Spread>;
}

/** BENCH_BUDGET_MIN: no new round starts after this many minutes (rows then show fewer runs). */
function budgetMs(): number {
  const m = Number(process.env['BENCH_BUDGET_MIN']);
  return Number.isFinite(m) && m > 0 ? m * 60_000 : Infinity;
}

export function defaultRounds(): number {
  const n = Number(process.env['BENCH_ROUNDS'] ?? 5);
  return Number.isInteger(n) && n >= 1 ? n : 5;
}

export async function runPaired<C>(s: PairedSuite<C>, log: (line: string) => void): Promise<{ rows: Row[]; info: Record<string, unknown> }> {
  const rounds = s.rounds ?? defaultRounds();
  const times = new Map<string, (number | undefined)[]>(s.contenders.map((c) => [c.name, []]));
  const metrics = new Map<string, Map<string, number[]>>(s.contenders.map((c) => [c.name, new Map()]));
  const ctx = await s.setup();
  let info: Record<string, unknown> = {};
  try {
    const first = s.warmup ?? true ? -1 : 0;
    const started = performance.now();
    for (let r = first; r < rounds; r++) {
      if (r > 0 && performance.now() - started > budgetMs()) {
        log(`  ${s.suite}: BENCH_BUDGET_MIN reached, stopping after ${r} round(s)`);
        break;
      }
      const order = r % 2 === 0 ? s.contenders : [...s.contenders].reverse();
      for (const c of order) {
        if (r < 0 && c.warmup === false) continue;
        await c.before?.(ctx, r);
        const t0 = performance.now();
        let out: Awaited<ReturnType<Contender<C>['run']>>;
        try {
          out = await c.run(ctx, r);
        } finally {
          await c.after?.(ctx, r);
        }
        const ms = out?.ms ?? performance.now() - t0;
        log(`  ${s.suite} ${r < 0 ? 'warm-up' : `round ${r + 1}/${rounds}`} ${c.name}: ${Math.round(ms)} ms`);
        if (r < 0) continue;
        times.get(c.name)?.push(ms);
        for (const [k, v] of Object.entries(out?.metrics ?? {})) {
          const m = metrics.get(c.name);
          m?.set(k, [...(m.get(k) ?? []), v]);
        }
      }
    }
    // After the rounds: a suite may report figures it gathered across contenders (per-round ratios).
    info = s.info?.(ctx) ?? {};
  } finally {
    await s.teardown(ctx);
  }
  const rows = s.contenders.map((c): Row => {
    const mine = times.get(c.name) ?? [];
    const row: Row = { suite: s.suite, name: c.name, runs: mine.length, ms: spread(mine.filter((x): x is number => x !== undefined)) };
    if (c.baseline) {
      row.baseline = c.baseline;
      row.ratio = spread(pairedRatios(mine, times.get(c.baseline) ?? []));
    }
    if (c.goal && row.ratio) {
      row.goal = c.goal.text;
      row.goalMet = (c.goal.max === undefined || row.ratio.median <= c.goal.max) && (c.goal.min === undefined || row.ratio.median >= c.goal.min);
    }
    const m = metrics.get(c.name);
    if (m && m.size > 0) row.metrics = Object.fromEntries([...m].map(([k, v]) => [k, spread(v)]));
    return row;
  });
  return { rows, info };
}
