// The timeline picture for the HTML report: an inline SVG, one lane per node, one bar per
// (step, node) task placed on a shared time axis, coloured by outcome, with a hover title.
import { type AuditGrid, type CellState, type GridCell } from './grid.js';
import { formatDuration, STATE_LABELS } from './format.js';
import { escapeHtml } from './html-escape.js';

export const STATE_COLORS: Record<CellState | 'not-run', string> = {
  done: '#2f9e44',
  failed: '#e03131',
  'timed-out': '#f08c00',
  unreachable: '#7048e8',
  'connection-lost': '#c2255c',
  skipped: '#adb5bd',
  'rolled-back': '#1c7ed6',
  'assumed-done': '#8ce99a',
  'in-flight': '#fcc419',
  'undo-failed': '#212529',
  'not-run': '#e9ecef',
};

const LABEL_W = 140;
const CHART_W = 860;
const LANE_H = 30;
const BAR_H = 18;
const AXIS_H = 54;

interface Bar {
  node: string;
  stepId: string;
  start: number;
  end: number;
  state: CellState;
  title: string;
  undo: boolean;
}

function barsOf(grid: AuditGrid): Bar[] {
  const bars: Bar[] = [];
  for (const step of grid.steps) {
    for (const c of step.cells) {
      const span = spanOf(c.startedAt, c.endedAt, c.durationMs);
      if (span) bars.push({ node: c.node, stepId: step.stepId, ...span, state: c.state === 'rolled-back' || c.state === 'undo-failed' ? (c.taskOutcome ?? 'done') : c.state, title: titleOf(step.stepId, c), undo: false });
      for (const p of c.previous ?? []) {
        const ps = spanOf(p.startedAt, p.endedAt, p.durationMs);
        if (ps) bars.push({ node: c.node, stepId: step.stepId, ...ps, state: p.state, title: `${step.stepId} on ${c.node}, earlier session: ${STATE_LABELS[p.state]}${p.startedAt ? ` (started ${p.startedAt})` : ''}`, undo: false });
      }
      if (c.undo) {
        const u = spanOf(c.undo.startedAt, c.undo.endedAt, c.undo.durationMs);
        if (u) bars.push({ node: c.node, stepId: step.stepId, ...u, state: c.undo.outcome === 'done' ? 'rolled-back' : 'undo-failed', title: `undo ${step.stepId} on ${c.node}: ${c.undo.outcome}, ${formatDuration(c.undo.durationMs)}`, undo: true });
      }
    }
  }
  return bars;
}

function spanOf(startedAt: string | undefined, endedAt: string | undefined, durationMs: number | undefined): { start: number; end: number } | undefined {
  const end = endedAt ? Date.parse(endedAt) : NaN;
  let start = startedAt ? Date.parse(startedAt) : NaN;
  if (Number.isNaN(start) && !Number.isNaN(end)) start = end - (durationMs ?? 0);
  if (Number.isNaN(start)) return undefined;
  return { start, end: Number.isNaN(end) ? start : Math.max(start, end) };
}

function titleOf(stepId: string, c: GridCell): string {
  const bits = [`${stepId} on ${c.node}: ${STATE_LABELS[c.state]}`];
  if (c.durationMs !== undefined) bits.push(formatDuration(c.durationMs));
  if (c.exitCode !== undefined) bits.push(`exit ${c.exitCode}`);
  if (c.attempts > 1) bits.push(`${c.attempts} attempts`);
  if (c.error) bits.push(c.error);
  return bits.join(', ');
}

/** Tick spacing that gives 4–10 ticks over the span. */
function tickStep(spanMs: number): number {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  return steps.find((s) => spanMs / s <= 10) ?? 7_200_000;
}

export function renderTimelineSvg(grid: AuditGrid): string {
  const bars = barsOf(grid);
  const nodes = grid.nodes;
  const t0 = Math.min(...bars.map((b) => b.start), ...grid.sessions.map((s) => Date.parse(s.startedAt)).filter((n) => !Number.isNaN(n)));
  const t1 = Math.max(...bars.map((b) => b.end), t0 + 1);
  const span = Math.max(1, t1 - t0);
  const x = (t: number): number => LABEL_W + ((t - t0) / span) * CHART_W;
  const height = AXIS_H + nodes.length * LANE_H + 8;
  const width = LABEL_W + CHART_W + 20;
  const out: string[] = [];
  out.push(`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="timeline: one lane per node, one bar per step">`);
  // Layers, back to front: lane backgrounds, time grid, phase bands, bars, session markers.
  nodes.forEach((node, i) => {
    const y = AXIS_H + i * LANE_H;
    out.push(`<rect x="0" y="${y}" width="${width}" height="${LANE_H}" fill="${i % 2 ? '#f8f9fa' : '#ffffff'}"/>`);
    out.push(`<text class="lane-label" x="${LABEL_W - 8}" y="${y + LANE_H / 2 + 4}" text-anchor="end">${escapeHtml(clip(node, 20))}<title>${escapeHtml(node)}</title></text>`);
  });
  const tick = tickStep(span);
  out.push('<g class="axis">');
  for (let t = 0; t <= span; t += tick) {
    const px = x(t0 + t).toFixed(1);
    out.push(`<line x1="${px}" y1="${AXIS_H - 6}" x2="${px}" y2="${height - 4}" stroke="#dee2e6"/><text x="${px}" y="${AXIS_H - 10}" text-anchor="middle">${escapeHtml(formatDuration(t))}</text>`);
  }
  out.push('</g>');
  grid.phaseSpans.forEach((p, i) => {
    const px = x(Date.parse(p.startedAt));
    const pw = Math.max(1, x(p.endedAt ? Date.parse(p.endedAt) : t1) - px);
    if (Number.isNaN(px)) return;
    out.push(`<g class="phase"><title>${escapeHtml(`phase ${p.phase}`)}</title><rect x="${px.toFixed(1)}" y="4" width="${pw.toFixed(1)}" height="${height - 8}" fill="${i % 2 ? '#e7f5ff' : '#f3f0ff'}" fill-opacity="0.55"/><text x="${(px + 3).toFixed(1)}" y="16" fill="#495057">${escapeHtml(clip(p.phase, Math.floor((pw - 4) / 7)))}</text></g>`);
  });
  nodes.forEach((node, i) => {
    const y = AXIS_H + i * LANE_H;
    out.push(`<g class="lane" data-node="${escapeHtml(node)}">`);
    for (const b of bars.filter((b) => b.node === node)) {
      const bx = x(b.start);
      const bw = Math.max(3, x(b.end) - bx);
      const by = y + (LANE_H - BAR_H) / 2 + (b.undo ? 4 : 0);
      const bh = b.undo ? BAR_H - 8 : BAR_H;
      const label = bw > 8 * Math.min(b.stepId.length, 4) ? `<text class="bar-label" x="${(bx + 4).toFixed(1)}" y="${(y + LANE_H / 2 + 4).toFixed(1)}">${escapeHtml(clip(b.stepId, Math.floor((bw - 6) / 7)))}</text>` : '';
      out.push(`<g class="bar${b.undo ? ' undo' : ''}" data-step="${escapeHtml(b.stepId)}" data-state="${b.state}"><title>${escapeHtml(b.title)}</title><rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh}" rx="3" fill="${STATE_COLORS[b.state]}" stroke="#ffffff" stroke-width="1"/>${b.undo ? '' : label}</g>`);
    }
    out.push('</g>');
  });
  for (const [i, s] of grid.sessions.entries()) {
    if (i === 0) continue;
    const px = x(Date.parse(s.startedAt)).toFixed(1);
    const tip = `<title>${escapeHtml(`session ${i + 1}: ${s.mode} by ${s.who.user}@${s.who.host} at ${s.startedAt}`)}</title>`;
    out.push(`<g class="session">${tip}<line x1="${px}" y1="22" x2="${px}" y2="${height - 4}" stroke="#495057" stroke-width="1.5" stroke-dasharray="4 3"/><text x="${px}" y="32" dx="4" fill="#212529" font-weight="600">${escapeHtml(s.mode)} →</text></g>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

function clip(s: string, max: number): string {
  if (max <= 1) return '';
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
