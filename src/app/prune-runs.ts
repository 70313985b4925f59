// The runs prune may clean after: each run's state from its journal (the same fold resume and
// rollback use) and its saved plan's params (a run may have staged elsewhere than the default).
// Only a run that ended done or rolled back is prunable; one that failed, was interrupted, is
// running or crashed may still be resumed or rolled back, and needs every file it set aside.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJournal, replayJournal } from '../journal/index.js';
import type { ParamValue, Plan } from '../model/index.js';

export type RunState = 'finished' | 'rolled-back' | 'failed' | 'aborted' | 'in-progress' | 'unknown';

export interface KnownRun {
  id: string;
  state: RunState;
  /** From the journal's run-start, else the id's time prefix. */
  startedAt?: number;
  cluster?: string;
  runbook?: string;
  params: Record<string, ParamValue>;
}

export const PRUNABLE: readonly RunState[] = ['finished', 'rolled-back'];

export function readKnownRuns(stateDir: string): Map<string, KnownRun> {
  const root = join(stateDir, 'runs');
  const runs = new Map<string, KnownRun>();
  if (!existsSync(root)) return runs;
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (d.isDirectory()) runs.set(d.name, readRun(join(root, d.name), d.name));
  }
  return runs;
}

function readRun(dir: string, id: string): KnownRun {
  const run: KnownRun = { id, state: 'unknown', params: {} };
  const started = idTime(id);
  if (started !== undefined) run.startedAt = started;
  try {
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    run.params = plan.params;
    run.cluster = plan.inventory.cluster;
    run.runbook = plan.runbook.name;
  } catch {
    // A drill or a run refused before its plan was saved: no params to learn.
  }
  let text: string;
  try {
    text = readFileSync(join(dir, 'journal.jsonl'), 'utf8');
  } catch {
    return run; // no journal: nothing says how it ended
  }
  const s = replayJournal(parseJournal(text, join(dir, 'journal.jsonl')).records);
  if (s.runStart) run.startedAt = Date.parse(s.runStart.at);
  run.state = s.lastRunEnd === 'done' ? 'finished' : s.lastRunEnd === 'rolled-back' ? 'rolled-back' : s.lastRunEnd ?? 'in-progress';
  return run;
}

/** `20261123T164500Z-…` → its time; other ids have none. */
function idTime(id: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

/** `--older-than`: 30m, 12h, 7d, 2w. */
export function parseAge(flag: string): number | undefined {
  const m = /^(\d+)(s|m|h|d|w)$/.exec(flag.trim());
  if (!m) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
