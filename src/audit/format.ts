// Small formatting helpers shared by the text grid, the HTML report and the reporters.
import type { CellState } from './grid.js';

/** Compact, stable durations: 340ms, 1.2s, 2m03s, 1h02m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One narrow (single-column) glyph per state, so text tables stay aligned in any terminal. */
export const GLYPHS: Record<CellState | 'not-run', string> = {
  done: '✔',
  failed: '✖',
  'timed-out': '◷',
  unreachable: '⊘',
  'connection-lost': '⌁',
  skipped: '-',
  'rolled-back': '↺',
  'assumed-done': '≈',
  'in-flight': '…',
  'undo-failed': '!',
  'not-run': '·',
};

export const STATE_LABELS: Record<CellState | 'not-run', string> = {
  done: 'done',
  failed: 'failed',
  'timed-out': 'timed out',
  unreachable: 'unreachable',
  'connection-lost': 'connection lost',
  skipped: 'skipped',
  'rolled-back': 'rolled back',
  'assumed-done': 'assumed done (operator)',
  'in-flight': 'in flight when the run stopped',
  'undo-failed': 'undo failed',
  'not-run': 'not run on this node',
};
