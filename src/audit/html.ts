// The per-run HTML report (report.html beside the journal): self-contained (inline CSS and SVG,
// no scripts, no network) so it can be attached to a ticket or archived as evidence.
import { cellAt, type AuditGrid } from './grid.js';
import { cellText } from './grid-text.js';
import { formatDuration, GLYPHS, STATE_LABELS } from './format.js';
import { escapeHtml } from './html-escape.js';
import { renderTimelineSvg, STATE_COLORS } from './timeline.js';
import type { AuditVerdict } from './verify.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;margin:24px;max-width:1080px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#495057;margin:0 0 16px}
.verdict{padding:8px 12px;border-radius:6px;margin:12px 0;font-weight:600}
.verdict.ok{background:#ebfbee;color:#2b8a3e;border:1px solid #b2f2bb}.verdict.bad{background:#fff5f5;color:#c92a2a;border:1px solid #ffc9c9}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.meta dt{color:#495057}dl.meta dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
svg.timeline{font:11px ui-monospace,Menlo,Consolas,monospace;display:block;border:1px solid #dee2e6;border-radius:6px;max-width:100%;height:auto}
svg.timeline .axis text{fill:#868e96}svg.timeline .lane-label{fill:#343a40;font-weight:600}
svg.timeline .bar-label{fill:#fff;pointer-events:none}
svg.timeline .bar[data-state=skipped] .bar-label,svg.timeline .bar[data-state=assumed-done] .bar-label,svg.timeline .bar[data-state=in-flight] .bar-label{fill:#212529}
svg.timeline .bar:hover rect{stroke:#212529;stroke-width:2}
table.grid{border-collapse:collapse;font:12px ui-monospace,Menlo,Consolas,monospace}
table.grid th,table.grid td{border:1px solid #dee2e6;padding:4px 8px;text-align:left;white-space:nowrap}
table.grid thead th{background:#f1f3f5}table.grid td.cell{border-left:4px solid var(--c)}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:8px 0;font-size:12px}
.legend span::before{content:"";display:inline-block;width:10px;height:10px;border-radius:2px;background:var(--c);margin-right:5px;vertical-align:-1px}
`;

export interface HtmlReportOptions {
  verdict: AuditVerdict;
  /** Shown in the footer; injected so output is deterministic in tests. */
  generatedAt: string;
}

export function renderHtmlReport(grid: AuditGrid, opts: HtmlReportOptions): string {
  const e = escapeHtml;
  const last = grid.sessions.at(-1);
  const outcome = last?.outcome ?? (last ? 'incomplete (no run-end record)' : 'unknown');
  const title = `kubedr run ${grid.runId}: ${grid.runbook} on ${grid.cluster}`;
  const v = opts.verdict;
  const verdict = v.ok
    ? `<div class="verdict ok">Audit chain verified: ${v.records} records, head ${e(v.headHash)}${v.against ? `; checked ${e(v.against)}` : ''}</div>`
    : `<div class="verdict bad">Audit chain NOT verified: line ${v.firstBadLine ?? '?'}: ${e(v.reason ?? 'unknown problem')}. Treat this report as unreliable.</div>`;
  const meta: [string, string][] = [
    ['run id', grid.runId],
    ['runbook', `${grid.runbook}${grid.runbookHash ? ` (sha256 ${grid.runbookHash})` : ''}`],
    ['cluster', `${grid.cluster}${grid.inventoryHash ? ` (inventory sha256 ${grid.inventoryHash})` : ''}`],
    ['plan hash', grid.planHash],
    ['outcome', outcome],
    ...grid.sessions.map((s, i): [string, string] => [`session ${i + 1}`, `${s.mode} by ${s.who.user}@${s.who.host}, ${s.startedAt} → ${s.endedAt ?? '(no end record)'}${s.durationMs !== undefined ? ` (${formatDuration(s.durationMs)})` : ''}${s.outcome ? `, ${s.outcome}` : ''}`]),
  ];
  const approvals = grid.steps.flatMap((s) => s.approvals.map((a) => `<li>${e(s.stepId)}: ${e(a.decision)} at ${e(a.at)}: “${e(a.message)}”</li>`));
  const used = new Set<string>(grid.steps.flatMap((s) => [
    ...s.cells.flatMap((c) => [c.state, ...(c.taskOutcome ? [c.taskOutcome] : []), ...(c.previous ?? []).map((p) => p.state)]),
    ...(s.nodes.some((n) => !cellAt(s, n)) ? [s.outcome === 'skipped' ? 'skipped' : 'not-run'] : []),
  ]));
  const legend = (Object.keys(STATE_COLORS) as (keyof typeof STATE_COLORS)[]).filter((k) => used.has(k)).map((k) => `<span style="--c:${STATE_COLORS[k]}">${e(`${GLYPHS[k]} ${STATE_LABELS[k]}`)}</span>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)}</title><style>${CSS}</style></head>
<body>
<h1>${e(title)}</h1>
<p class="sub">Evidence from the hash-chained audit log of this run.</p>
${verdict}
<dl class="meta">${meta.map(([k, val]) => `<dt>${e(k)}</dt><dd>${e(val)}</dd>`).join('')}</dl>
<h2>Timeline</h2>
<div class="legend">${legend.join('')}</div>
${renderTimelineSvg(grid)}
<h2>Steps × nodes</h2>
${renderGridTable(grid)}
${approvals.length ? `<h2>Approvals</h2><ul>${approvals.join('')}</ul>` : ''}
<p class="sub">Generated ${e(opts.generatedAt)} by kubedr.</p>
</body></html>
`;
}

function renderGridTable(grid: AuditGrid): string {
  const e = escapeHtml;
  const head = `<tr><th>phase</th><th>step</th>${grid.nodes.map((n) => `<th>${e(n)}</th>`).join('')}</tr>`;
  const rows = grid.steps.map((s) => {
    const cells = grid.nodes.map((n) => {
      const c = cellAt(s, n);
      const state = c?.state ?? (s.nodes.includes(n) ? (s.outcome === 'skipped' ? 'skipped' : 'not-run') : undefined);
      if (!state) return '<td></td>';
      const tip = c?.error ? ` title="${e(c.error)}"` : ` title="${e(STATE_LABELS[state])}"`;
      return `<td class="cell" data-state="${state}" style="--c:${STATE_COLORS[state]}"${tip}>${e(cellText(s, n))}</td>`;
    });
    return `<tr><td>${e(s.phase)}</td><th>${e(s.stepId)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="grid"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>`;
}
