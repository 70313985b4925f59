// `kubedr rollback <run-id>`: unwind the undo stack of a run, from its journal and saved plan.
// Journaled and resumable: an undo that completed is popped and never runs again; one that was
// in flight when the process died re-runs when its step is idempotent, otherwise the operator
// says `assumeDone` (it completed) or `rerun` (run it again), like resume.
import { KubedrError } from '../errors/index.js';
import { rollbackPlan, type RunResult } from '../engine/index.js';
import { JournalWriter, readJournal, releaseRunLock, replayJournal } from '../journal/index.js';
import { engineWiring, loadSavedPlan, lockRun, resolveStateDir, runPaths, type ExecuteOptions, type RunPaths } from './state.js';

export interface RollbackOptions extends ExecuteOptions {
  runId: string;
  /** Task keys whose in-flight undo the operator says completed. */
  assumeDone?: string[];
  /** Task keys whose in-flight undo should run again. */
  rerun?: string[];
}

export interface RollbackOutput {
  runId: string;
  paths: RunPaths;
  result: RunResult;
  /** Undo entries left (0 when fully rolled back). */
  remaining: number;
}

export async function rollbackRun(o: RollbackOptions): Promise<RollbackOutput> {
  const now = o.now ?? Date.now;
  const stateDir = resolveStateDir(o.stateDir);
  const paths = runPaths(stateDir, o.runId);
  const plan = await loadSavedPlan(paths.plan);
  // Lock first: the journal must not change between reading it and acting on it.
  const lock = await lockRun(stateDir, plan, o.runId, o, now());
  try {
    const state = replayJournal((await readJournal(paths.journal)).records);
    const keys = new Set(plan.phases.flatMap((p) => p.steps.flatMap((s) => s.tasks.map((t) => t.key))));
    const unknown = state.undoStack.filter((k) => !keys.has(k));
    if (unknown.length > 0) {
      throw new KubedrError('ROLLBACK_PLAN_MISMATCH', `the saved plan has no task for undo entries ${unknown.join(', ')}`, { exitCode: 2 });
    }
    const assumeDone = new Set(o.assumeDone ?? []);
    const rerun = new Set(o.rerun ?? []);
    const stepOf = (key: string) => plan.phases.flatMap((p) => p.steps).find((s) => s.tasks.some((t) => t.key === key));
    const undecided = [...state.undoInFlight].filter((k) => !assumeDone.has(k) && !rerun.has(k) && !stepOf(k)?.idempotent);
    if (undecided.length > 0) {
      throw new KubedrError('ROLLBACK_IN_FLIGHT', `these undos were running when the rollback stopped and are not idempotent: ${undecided.join(', ')}`, {
        hint: `check each on its node, then roll back with --assume-done STEP@NODE (the undo completed) or --rerun STEP@NODE`,
        exitCode: 2,
      });
    }
    const journal = await JournalWriter.open(paths.journal);
    try {
      const at = new Date(now()).toISOString();
      for (const key of assumeDone) {
        if (state.undoInFlight.has(key)) await journal.append({ r: 'undo-end', key, outcome: 'done', durationMs: 0, error: 'assumed done by the operator', at });
      }
      const undoStack = state.undoStack.filter((k) => !(assumeDone.has(k) && state.undoInFlight.has(k)));
      const { deps, opts } = engineWiring(o, journal, o.runId, 'rollback');
      const prior = { completed: state.completed, captures: state.captures, withheld: state.withheld, undoStack };
      const result = await rollbackPlan(plan, deps, opts, prior);
      const after = replayJournal((await readJournal(paths.journal)).records);
      return { runId: o.runId, paths, result, remaining: after.undoStack.length };
    } finally {
      await journal.close();
    }
  } finally {
    await releaseRunLock(lock);
  }
}
