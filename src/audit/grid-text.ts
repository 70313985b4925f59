// Text and JSON views of the grid for `kubedr audit <run-id>`.
import { cellAt, type AuditGrid, type GridCell, type GridStep } from './grid.js';
import { formatDuration, GLYPHS, STATE_LABELS } from './format.js';

/** The text of one cell: glyph, duration, then what an auditor asks next (exit code, retries). */
export function cellText(step: GridStep, node: string): string {
  const c = cellAt(step, node);
  if (!c) {
    if (!step.nodes.includes(node)) return '';
    return step.outcome === 'skipped' ? GLYPHS.skipped : GLYPHS['not-run'];
  }
  return describeCell(c);
}

function describeCell(c: GridCell): string {
  const parts = [GLYPHS[c.state]];
  if (c.durationMs !== undefined) parts.push(formatDuration(c.durationMs));
  if (c.exitCode !== undefined && c.exitCode !== 0) parts.push(`exit ${c.exitCode}`);
  if (c.attempts > 1) parts.push(`×${c.attempts}`);
  return parts.join(' ');
}

export function renderGridText(grid: AuditGrid): string {
  const header = ['phase', 'step', ...grid.nodes];
  const rows = grid.steps.map((s) => [s.phase, s.stepId, ...grid.nodes.map((n) => cellText(s, n))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: string[]): string => cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line(r));
  const used = new Set(grid.steps.flatMap((s) => grid.nodes.map((n) => cellText(s, n).split(' ')[0] ?? '')));
  const legend = Object.entries(GLYPHS).filter(([, g]) => used.has(g)).map(([state, g]) => `${g} ${STATE_LABELS[state as keyof typeof GLYPHS]}`);
  if (legend.length) out.push('', legend.join('   '));
  return `${out.join('\n')}\n`;
}

/** The grid as plain JSON (stable field order) for `--output json`. */
export function gridToJson(grid: AuditGrid): unknown {
  return {
    runId: grid.runId,
    runbook: grid.runbook,
    runbookHash: grid.runbookHash ?? null,
    planHash: grid.planHash,
    cluster: grid.cluster,
    inventoryHash: grid.inventoryHash ?? null,
    sessions: grid.sessions,
    phaseSpans: grid.phaseSpans,
    nodes: grid.nodes,
    phases: grid.phases,
    steps: grid.steps.map((s) => ({
      stepId: s.stepId,
      phase: s.phase,
      outcome: s.outcome ?? null,
      approvals: s.approvals,
      cells: grid.nodes.filter((n) => s.nodes.includes(n)).map((n) => {
        const c = cellAt(s, n);
        if (!c) return { node: n, state: s.outcome === 'skipped' ? 'skipped' : 'not-run' };
        return { node: n, state: c.state, taskOutcome: c.taskOutcome ?? null, exitCode: c.exitCode ?? null, durationMs: c.durationMs ?? null, attempts: c.attempts, startedAt: c.startedAt ?? null, endedAt: c.endedAt ?? null, error: c.error ?? null, undo: c.undo ?? null, previous: c.previous ?? [] };
      }),
    })),
  };
}
