// What a run journal holds, one JSON object per line. Secrets never reach these records: the
// engine writes only non-secret params, and captures that are secret (or were redacted) are
// marked so that resume knows to obtain them again.
import type { ParamValue, RunMode, TaskOutcome } from '../model/index.js';

export type JournalRecord =
  | {
      r: 'run-start';
      runId: string;
      mode: RunMode;
      planHash: string;
      runbookHash: string;
      inventoryHash: string;
      /** Non-secret params only; secret params are listed by name. */
      params: Record<string, ParamValue>;
      secretParams: string[];
      at: string;
    }
  | { r: 'resume'; assumeDone: string[]; rerun: string[]; forceChanged: boolean; at: string }
  | { r: 'task-start'; key: string; attempt: number; at: string }
  | {
      r: 'task-end';
      key: string;
      outcome: TaskOutcome;
      exitCode?: number;
      durationMs: number;
      /** Captured stdout, only when the capture is not secret and held no secret. */
      capture?: string;
      /** The capture exists but is not journaled (secret): resume re-runs the capture step. */
      captureWithheld?: boolean;
      error?: string;
      /** The task completed and its step has an undo: this record pushes it on the undo stack. */
      pushUndo?: boolean;
      /** The task completed and knows it changed nothing (an `onlyIfChanged` step skips). */
      unchanged?: boolean;
      at: string;
    }
  /** A secret capture obtained again on resume or rollback; never counts as a completion. */
  | { r: 'recapture'; key: string; outcome: TaskOutcome; at: string }
  | { r: 'rollback-start'; reason: string; at: string }
  | { r: 'undo-start'; key: string; at: string }
  /** `done` pops the entry off the undo stack; `failed` leaves it for the next rollback. */
  | { r: 'undo-end'; key: string; outcome: 'done' | 'failed'; exitCode?: number; durationMs: number; error?: string; at: string }
  | { r: 'rollback-end'; outcome: 'done' | 'failed' | 'aborted'; at: string }
  | { r: 'run-end'; outcome: 'done' | 'failed' | 'rolled-back' | 'aborted'; at: string };

export type JournalRecordKind = JournalRecord['r'];

/** Where the engine writes checkpoints; durable when the promise resolves. */
export interface JournalSink {
  append(record: JournalRecord): Promise<void>;
}
