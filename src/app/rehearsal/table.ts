// The step × node table of a rehearsal: engine outcomes of the probes and checks folded with the
// cells decided up front, then rendered as text (terminal) or JSON (CI).
import type { TaskReport } from '../../engine/index.js';
import type { Plan, PlanPhase } from '../../model/index.js';
import { LOCAL_NODE } from '../../model/index.js';
import type { CellState, RehearsalCell } from './derive.js';
import { PROBE_PHASE, UNKNOWN_EXIT } from './probes.js';

export interface RehearsalRow {
  stepId: string;
  name: string;
  phase: string;
  cells: RehearsalCell[];
}

export interface RehearsalTable {
  nodes: string[];
  rows: RehearsalRow[];
  counts: Record<CellState, number>;
}

/** Rows in run order: the built-in probes, then every step of the original plan. */
export function buildTable(original: Plan, probes: PlanPhase[], decided: readonly RehearsalCell[], reports: ReadonlyMap<string, TaskReport>): RehearsalTable {
  const rows: RehearsalRow[] = [];
  const steps = [...probes.flatMap((p) => p.steps), ...original.phases.flatMap((p) => p.steps)];
  for (const step of steps) {
    const cells: RehearsalCell[] = decided.filter((c) => c.stepId === step.id);
    for (const task of step.tasks) {
      if (cells.some((c) => c.node === task.node)) continue;
      const r = reports.get(task.key);
      cells.push(r ? cellOf(task.stepId, task.node, r, step.phase === PROBE_PHASE) : { stepId: step.id, node: task.node, state: 'unknown', reason: 'not probed (run interrupted)' });
    }
    rows.push({ stepId: step.id, name: step.name, phase: step.phase, cells });
  }
  const used = new Set(rows.flatMap((r) => r.cells.map((c) => c.node)));
  const nodes = [...original.nodes.map((n) => n.name), LOCAL_NODE].filter((n) => used.has(n));
  const counts: Record<CellState, number> = { 'would-run': 0, blocked: 0, unknown: 0, skipped: 0 };
  for (const c of rows.flatMap((r) => r.cells)) counts[c.state]++;
  return { nodes, rows, counts };
}

function cellOf(stepId: string, node: string, r: TaskReport, builtin: boolean): RehearsalCell {
  if (r.outcome === 'done') return { stepId, node, state: 'would-run' };
  const why = lastLine(r.stderr) ?? lastLine(r.stdout) ?? r.error ?? r.outcome;
  // A node that cannot be reached blocks a run; its row "reachable" says so, every other row is unknown.
  if (r.outcome === 'unreachable' || r.outcome === 'connection-lost') {
    return stepId === 'kubedr-reachable' ? { stepId, node, state: 'blocked', reason: `unreachable: ${r.error ?? ''}`.trim() } : { stepId, node, state: 'unknown', reason: 'node unreachable' };
  }
  if (builtin && r.exitCode === UNKNOWN_EXIT) return { stepId, node, state: 'unknown', reason: why };
  return { stepId, node, state: 'blocked', reason: r.outcome === 'timed-out' ? `timed out: ${why}` : why };
}

function lastLine(s: string): string | undefined {
  return s.split('\n').map((l) => l.trim()).filter((l) => l !== '').at(-1);
}

const MARK: Record<CellState, string> = { 'would-run': 'would run', blocked: 'BLOCKED', unknown: 'unknown', skipped: 'skipped' };

/** Fixed-width grid, then one line per cell that is not "would run" with its reason. */
export function renderTableText(t: RehearsalTable): string {
  const header = ['STEP', ...t.nodes];
  const grid = t.rows.map((r) => {
    const skipped = r.cells.find((c) => c.node === '*');
    return [r.stepId, ...t.nodes.map((n) => (skipped ? MARK.skipped : (() => { const c = r.cells.find((x) => x.node === n); return c ? MARK[c.state] : '-'; })()))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...grid.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const notes = t.rows.flatMap((r) => r.cells.filter((c) => c.state !== 'would-run' && c.reason !== undefined).map((c) => `  ${r.stepId}@${c.node}: ${c.state}: ${c.reason ?? ''}`));
  const c = t.counts;
  const summary = `${c['would-run']} would run, ${c.blocked} blocked, ${c.unknown} unknown, ${c.skipped} skipped`;
  return `${[line(header), ...grid.map(line)].join('\n')}\n${notes.length > 0 ? `\n${notes.join('\n')}\n` : ''}\n${summary}\n`;
}
