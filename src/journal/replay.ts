// Folds a journal into the state resume and rollback start from. Pure: records in, state out.
import type { JournalRecord } from './records.js';

export interface JournalState {
  runStart: Extract<JournalRecord, { r: 'run-start' }> | undefined;
  /** Task keys that need not run again (done, assumed-done). */
  completed: Set<string>;
  /** Started and never ended: the process died while they ran. */
  inFlight: Set<string>;
  /** Tasks that ended without success (failed, timed-out, unreachable…), last outcome. */
  failed: Map<string, string>;
  /** Non-secret captured stdout per task key. */
  captures: Map<string, string>;
  /** Captures that exist but were not journaled: obtain again by re-running the task. */
  withheld: Set<string>;
  /** Completed tasks that reported no change (their last completion). */
  unchanged: Set<string>;
  /** Undo entries not yet undone, bottom first. */
  undoStack: string[];
  /** Undo started and never ended. */
  undoInFlight: Set<string>;
  rollbackStarted: boolean;
  lastRunEnd: 'done' | 'failed' | 'rolled-back' | 'aborted' | undefined;
}

export function replayJournal(records: readonly JournalRecord[]): JournalState {
  const s: JournalState = {
    runStart: undefined,
    completed: new Set(),
    inFlight: new Set(),
    failed: new Map(),
    captures: new Map(),
    withheld: new Set(),
    unchanged: new Set(),
    undoStack: [],
    undoInFlight: new Set(),
    rollbackStarted: false,
    lastRunEnd: undefined,
  };
  const undone = new Set<string>();
  for (const rec of records) applyRecord(s, rec, undone);
  // A task re-run after an operator's --rerun may be pushed twice: keep its latest position.
  const seen = new Set<string>();
  s.undoStack = s.undoStack
    .reverse()
    .filter((k) => !undone.has(k) && !seen.has(k) && seen.add(k))
    .reverse();
  return s;
}

function applyRecord(s: JournalState, rec: JournalRecord, undone: Set<string>): void {
  switch (rec.r) {
    case 'run-start':
      s.runStart ??= rec;
      return;
    case 'resume':
      s.lastRunEnd = undefined;
      return;
    case 'task-start':
      s.inFlight.add(rec.key);
      return;
    case 'task-end':
      s.inFlight.delete(rec.key);
      if (rec.outcome === 'done' || rec.outcome === 'assumed-done') {
        s.completed.add(rec.key);
        s.failed.delete(rec.key);
        if (rec.unchanged === true) s.unchanged.add(rec.key);
        else s.unchanged.delete(rec.key);
        if (rec.pushUndo) {
          s.undoStack.push(rec.key);
          undone.delete(rec.key);
        }
      } else if (rec.outcome !== 'skipped') {
        s.failed.set(rec.key, rec.outcome);
      }
      if (rec.capture !== undefined) s.captures.set(rec.key, rec.capture);
      if (rec.captureWithheld) s.withheld.add(rec.key);
      return;
    case 'recapture':
      return;
    case 'rollback-start':
      s.rollbackStarted = true;
      return;
    case 'undo-start':
      s.undoInFlight.add(rec.key);
      return;
    case 'undo-end':
      s.undoInFlight.delete(rec.key);
      if (rec.outcome === 'done') undone.add(rec.key);
      return;
    case 'rollback-end':
      return;
    case 'run-end':
      s.lastRunEnd = rec.outcome;
      return;
  }
}
