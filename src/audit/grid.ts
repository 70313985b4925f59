// The step × node grid: the last word on each (step, node) pair, folded from the audit records
// of every session of a run (run, resume, rollback), in the order the steps first started.
import type { TaskOutcome } from '../model/index.js';
import { basename } from 'node:path';
import { readAuditRecords } from './read.js';
import type { AuditRecord } from './record.js';

/** TaskOutcome plus what only the audit knows: still running at a crash, undo that failed. */
export type CellState = TaskOutcome | 'in-flight' | 'undo-failed';

export interface GridCell {
  stepId: string;
  node: string;
  state: CellState;
  /** What the task itself ended with, before any undo. */
  taskOutcome?: TaskOutcome;
  exitCode?: number;
  durationMs?: number;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  error?: string;
  undo?: { outcome: 'done' | 'failed'; exitCode?: number; durationMs: number; startedAt?: string; endedAt: string };
  /** Earlier executions replaced by a later session (in flight at a crash, or `--rerun`). */
  previous?: { state: CellState; startedAt?: string; endedAt?: string; durationMs?: number; exitCode?: number }[];
}

export interface GridStep {
  stepId: string;
  phase: string;
  nodes: string[];
  outcome?: 'done' | 'failed' | 'skipped';
  approvals: { approvedBy: string; message: string; auto: boolean; at: string; approved: boolean; decision: string }[];
  cells: GridCell[];
}

export interface RunSession {
  mode: string;
  who: { user: string; host: string };
  startedAt: string;
  endedAt?: string;
  outcome?: string;
  durationMs?: number;
}

export interface AuditGrid {
  runId: string;
  runbook: string;
  runbookHash?: string;
  planHash: string;
  cluster: string;
  inventoryHash?: string;
  sessions: RunSession[];
  /** When each phase ran (a resumed phase appears once per session). */
  phaseSpans: { phase: string; startedAt: string; endedAt?: string }[];
  phases: string[];
  nodes: string[];
  steps: GridStep[];
}

/** The grid of a run directory, straight from its audit log. */
export function auditGrid(runDir: string): AuditGrid {
  return buildGrid(readAuditRecords(runDir), basename(runDir));
}

export function buildGrid(records: readonly AuditRecord[], runId = records[0]?.runId ?? ''): AuditGrid {
  const grid: AuditGrid = { runId, runbook: '', planHash: '', cluster: '', sessions: [], phaseSpans: [], phases: [], nodes: [], steps: [] };
  const steps = new Map<string, GridStep>();
  const cells = new Map<string, GridCell>();
  const nodeSet = new Set<string>();
  const stepOf = (stepId: string, phase = ''): GridStep => {
    let s = steps.get(stepId);
    if (!s) {
      s = { stepId, phase, nodes: [], approvals: [], cells: [] };
      steps.set(stepId, s);
      grid.steps.push(s);
    }
    if (phase !== '' && s.phase === '') s.phase = phase;
    return s;
  };
  const cellOf = (stepId: string, node: string): GridCell => {
    const key = `${stepId}@${node}`;
    let c = cells.get(key);
    if (!c) {
      c = { stepId, node, state: 'in-flight', attempts: 0 };
      cells.set(key, c);
      const s = stepOf(stepId);
      s.cells.push(c);
      if (!s.nodes.includes(node)) s.nodes.push(node);
      nodeSet.add(node);
    }
    return c;
  };
  for (const r of records) {
    switch (r.type) {
      case 'run-start':
        grid.runbook = r.runbook;
        grid.planHash = r.planHash;
        grid.cluster = r.cluster;
        if (r.runbookHash !== undefined) grid.runbookHash = r.runbookHash;
        if (r.inventoryHash !== undefined) grid.inventoryHash = r.inventoryHash;
        grid.sessions.push({ mode: r.mode, who: r.who, startedAt: r.at });
        break;
      case 'run-end': {
        const s = grid.sessions.at(-1);
        if (s) Object.assign(s, { endedAt: r.at, outcome: r.outcome, durationMs: r.durationMs });
        break;
      }
      case 'phase-start':
        if (!grid.phases.includes(r.phase)) grid.phases.push(r.phase);
        grid.phaseSpans.push({ phase: r.phase, startedAt: r.at });
        break;
      case 'phase-end': {
        const open = grid.phaseSpans.findLast((p) => p.phase === r.phase && p.endedAt === undefined);
        if (open) open.endedAt = r.at;
        break;
      }
      case 'step-start': {
        const s = stepOf(r.stepId, r.phase);
        for (const n of r.nodes) {
          if (!s.nodes.includes(n)) s.nodes.push(n);
          nodeSet.add(n);
        }
        if (!grid.phases.includes(r.phase)) grid.phases.push(r.phase);
        break;
      }
      case 'step-end':
        stepOf(r.stepId).outcome = r.outcome;
        break;
      case 'approval':
        stepOf(r.stepId).approvals.push({ approvedBy: r.approvedBy, message: r.message, auto: r.auto, at: r.at, approved: r.approved ?? true, decision: decisionOf(r) });
        break;
      case 'task-start': {
        const c = cellOf(r.stepId, r.node);
        c.attempts = Math.max(c.attempts, r.attempt);
        // A resumed pair starts over: its earlier end (if any) no longer describes it.
        if (r.attempt === 1 || c.startedAt === undefined) {
          if (c.startedAt !== undefined) (c.previous ??= []).push(snapshotOf(c));
          c.startedAt = r.at;
          c.state = 'in-flight';
          delete c.endedAt;
          delete c.durationMs;
          delete c.exitCode;
          delete c.error;
        }
        break;
      }
      case 'task-retry':
        cellOf(r.stepId, r.node).attempts = Math.max(cellOf(r.stepId, r.node).attempts, r.attempt - 1);
        break;
      case 'task-end': {
        const c = cellOf(r.stepId, r.node);
        Object.assign(c, { state: r.outcome, taskOutcome: r.outcome, durationMs: r.durationMs, endedAt: r.at });
        if (r.exitCode !== undefined) c.exitCode = r.exitCode;
        if (r.error !== undefined) c.error = r.error;
        break;
      }
      case 'undo-start': {
        const c = cellOf(r.stepId, r.node);
        c.undo = { outcome: 'failed', durationMs: 0, startedAt: r.at, endedAt: r.at };
        break;
      }
      case 'undo-end': {
        const c = cellOf(r.stepId, r.node);
        const undo: NonNullable<GridCell['undo']> = { outcome: r.outcome, durationMs: r.durationMs, endedAt: r.at };
        if (c.undo?.startedAt !== undefined) undo.startedAt = c.undo.startedAt;
        if (r.exitCode !== undefined) undo.exitCode = r.exitCode;
        c.undo = undo;
        c.state = r.outcome === 'done' ? 'rolled-back' : 'undo-failed';
        break;
      }
    }
  }
  grid.nodes = [...nodeSet];
  for (const s of grid.steps) if (!grid.phases.includes(s.phase)) grid.phases.push(s.phase);
  return grid;
}

function snapshotOf(c: GridCell): NonNullable<GridCell['previous']>[number] {
  const p: NonNullable<GridCell['previous']>[number] = { state: c.state };
  if (c.startedAt !== undefined) p.startedAt = c.startedAt;
  if (c.endedAt !== undefined) p.endedAt = c.endedAt;
  if (c.durationMs !== undefined) p.durationMs = c.durationMs;
  if (c.exitCode !== undefined) p.exitCode = c.exitCode;
  return p;
}

/** The cell of a (step, node) pair, if the step ran there. */
export function cellAt(step: GridStep, node: string): GridCell | undefined {
  return step.cells.find((c) => c.node === node);
}

/** `approved by alice@h1 with --yes`, `declined by alice@h1 at the prompt (answer "n")`, `no terminal, not approved`. */
export function decisionOf(r: { approvedBy: string; auto: boolean; approved?: boolean; how?: string; answer?: string; user?: string; host?: string }): string {
  const who = r.user !== undefined && r.host !== undefined ? `${r.user}@${r.host}` : r.approvedBy;
  if (r.how === 'no-terminal') return `no terminal, not approved (asked of ${who})`;
  const how = r.auto || r.how === 'yes' ? 'with --yes' : `at the prompt${r.answer !== undefined ? ` (answer ${JSON.stringify(r.answer)})` : ''}`;
  return `${r.approved === false ? 'declined' : 'approved'} by ${who} ${how}`;
}
