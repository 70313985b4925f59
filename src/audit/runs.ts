// One line per run for `kubedr runs`, folded from the run's audit records.
import type { AuditRecord } from './record.js';
import { formatDuration } from './format.js';

export interface RunSummary {
  id: string;
  runbook: string;
  cluster: string;
  /** Mode of the first session (run, rehearse, drill…). */
  mode: string;
  /** Every session in order, e.g. ['run', 'resume', 'rollback']. */
  sessions: string[];
  startedAt: string;
  /** From the first start to the last record. */
  durationMs: number;
  /** The last session's outcome; `incomplete` when it has no run-end (crashed or still running). */
  outcome: string;
}

export function summarizeRun(id: string, records: readonly AuditRecord[]): RunSummary {
  const starts = records.filter((r) => r.type === 'run-start');
  const first = starts[0];
  const lastStartIdx = records.lastIndexOf(starts.at(-1) as AuditRecord);
  const end = records.slice(lastStartIdx + 1).find((r) => r.type === 'run-end');
  const t0 = first ? Date.parse(first.at) : NaN;
  const t1 = Date.parse(records.at(-1)?.at ?? '');
  return {
    id,
    runbook: first?.runbook ?? '',
    cluster: first?.cluster ?? '',
    mode: first?.mode ?? '',
    sessions: starts.map((s) => s.mode),
    startedAt: first?.at ?? '',
    durationMs: Number.isNaN(t0) || Number.isNaN(t1) ? 0 : Math.max(0, t1 - t0),
    outcome: records.length === 0 ? 'no audit log' : end && end.type === 'run-end' ? end.outcome : 'incomplete',
  };
}

/** Newest first; ties by id so the order is stable. */
export function sortRuns(runs: RunSummary[]): RunSummary[] {
  return [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id));
}

export function renderRunsText(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return 'no runs\n';
  const header = ['RUN', 'RUNBOOK', 'CLUSTER', 'MODE', 'STARTED', 'DURATION', 'OUTCOME'];
  const rows = runs.map((r) => [r.id, r.runbook, r.cluster, r.sessions.length > 1 ? r.sessions.join('→') : r.mode, r.startedAt, formatDuration(r.durationMs), r.outcome]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  return `${[header, ...rows].map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}
