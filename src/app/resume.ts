// `kubedr resume <run-id>`: continue a run from its journal with a plan rebuilt by the caller
// from the current runbook and inventory.
//
// - Completed tasks (done, assumed-done) are skipped.
// - A task in flight when the process died, or cut short by a lost connection or a timeout,
//   re-runs when its step is idempotent; otherwise the operator must decide, per task:
//   `assumeDone` (it did complete) or `rerun` (run it again).
// - The plan, runbook and inventory hashes must match the journal's, unless `forceChanged`.
// - Secrets are not in the journal: secret params come from the caller again; a secret capture
//   that a pending task needs is obtained by re-running the capture task that produced it
//   (journaled as `recapture`, at most once per process), just before the first task needing it.
import { copyFile } from 'node:fs/promises';
import { KubedrError } from '../errors/index.js';
import { executePlan, hasUndo, type RunResult } from '../engine/index.js';
import { JournalWriter, readJournal, releaseRunLock, replayJournal, type JournalState } from '../journal/index.js';
import type { Plan, PlanStep, PlanTask } from '../model/index.js';
import { engineWiring, lockRun, resolveStateDir, runPaths, savePlan, type ExecuteOptions, type RunPaths } from './state.js';

export interface ResumeOptions extends ExecuteOptions {
  runId: string;
  plan: Plan;
  /** `STEP@NODE` keys the operator says completed. */
  assumeDone?: string[];
  /** `STEP@NODE` keys to run again even though they may have run. */
  rerun?: string[];
  /** @default false */
  forceChanged?: boolean;
}

export interface ResumeOutput {
  runId: string;
  paths: RunPaths;
  result: RunResult;
  /** Keys re-run because they were in flight (idempotent or `rerun`). */
  rerunInFlight: string[];
}

export async function resumeRun(o: ResumeOptions): Promise<ResumeOutput> {
  const now = o.now ?? Date.now;
  const stateDir = resolveStateDir(o.stateDir);
  const paths = runPaths(stateDir, o.runId);
  // Lock first: the journal must not change between reading it and acting on it.
  const lock = await lockRun(stateDir, o.plan, o.runId, o, now());
  try {
    const state = replayJournal((await readJournal(paths.journal)).records);
    const tasks = indexTasks(o.plan);
    const assumeDone = new Set(o.assumeDone ?? []);
    const rerun = new Set(o.rerun ?? []);
    checkResumable(o, state, tasks, assumeDone, rerun);
    const inFlight = decideInFlight(state, tasks, assumeDone, rerun);
    if (o.plan.hash !== state.runStart?.planHash) {
      // --force-changed: keep the plan the run started with beside the new one, for the record.
      await copyFile(paths.plan, `${paths.plan.replace(/\.json$/, '')}.${state.runStart?.planHash.slice(0, 12) ?? 'old'}.json`).catch(() => undefined);
      await savePlan(paths.plan, o.plan, false);
    }
    const journal = await JournalWriter.open(paths.journal);
    try {
      const at = new Date(now()).toISOString();
      await journal.append({ r: 'resume', assumeDone: [...assumeDone], rerun: [...rerun], forceChanged: o.forceChanged ?? false, at });
      const completed = new Set(state.completed);
      for (const key of rerun) completed.delete(key);
      // A completed task run again (--rerun) keeps its entry: its first run did happen.
      const undoStack = [...state.undoStack];
      for (const key of assumeDone) {
        const t = tasks.get(key);
        const pushUndo = t !== undefined && hasUndo(t.task);
        await journal.append({ r: 'task-end', key, outcome: 'assumed-done', durationMs: 0, ...(pushUndo ? { pushUndo } : {}), at });
        completed.add(key);
        if (pushUndo) undoStack.push(key);
      }
      const { deps, opts } = engineWiring(o, journal, o.runId, 'resume');
      const result = await executePlan(o.plan, deps, opts, { completed, captures: state.captures, withheld: state.withheld, undoStack, unchanged: state.unchanged });
      return { runId: o.runId, paths, result, rerunInFlight: inFlight };
    } finally {
      await journal.close();
    }
  } finally {
    await releaseRunLock(lock);
  }
}

function indexTasks(plan: Plan): Map<string, { step: PlanStep; task: PlanTask }> {
  const m = new Map<string, { step: PlanStep; task: PlanTask }>();
  for (const phase of plan.phases) for (const step of phase.steps) for (const task of step.tasks) m.set(task.key, { step, task });
  return m;
}

function checkResumable(o: ResumeOptions, s: JournalState, tasks: Map<string, unknown>, assumeDone: Set<string>, rerun: Set<string>): void {
  const start = s.runStart;
  if (start === undefined) throw new KubedrError('RESUME_NO_START', `run ${o.runId} has no run-start record`, { exitCode: 2 });
  if (s.rollbackStarted) {
    throw new KubedrError('RESUME_ROLLED_BACK', `run ${o.runId} has been (partly) rolled back; it cannot go forward again`, {
      hint: `finish the rollback with \`kubedr rollback ${o.runId}\`, then start a new run`,
      exitCode: 2,
    });
  }
  const changed = [
    start.planHash !== o.plan.hash ? 'plan' : '',
    start.runbookHash !== o.plan.runbook.hash ? `runbook (${o.plan.runbook.source})` : '',
    start.inventoryHash !== o.plan.inventory.hash ? `inventory (${o.plan.inventory.source})` : '',
  ].filter((c) => c !== '');
  if (changed.length > 0 && !o.forceChanged) {
    throw new KubedrError('RESUME_PLAN_CHANGED', `since run ${o.runId} started, these changed: ${changed.join(', ')}`, {
      hint: 'resume with the runbook and inventory the run started with, or pass --force-changed if the change is intended',
      exitCode: 2,
    });
  }
  const unknown = [...assumeDone, ...rerun].filter((k) => !tasks.has(k));
  const both = [...assumeDone].filter((k) => rerun.has(k));
  if (unknown.length > 0 || both.length > 0) {
    const msg = [unknown.length ? `not in the plan: ${unknown.join(', ')}` : '', both.length ? `both --assume-done and --rerun: ${both.join(', ')}` : ''];
    throw new KubedrError('RESUME_BAD_TASK', msg.filter(Boolean).join('; '), { hint: 'task keys are STEP@NODE as shown by `kubedr plan`', exitCode: 2 });
  }
}

/**
 * Tasks whose effect on the node is unknown: in flight when the process died, or ended because
 * the connection was lost or the command timed out (it may have done its work before that).
 */
function uncertainTasks(s: JournalState): string[] {
  const cut = [...s.failed].filter(([k, outcome]) => (outcome === 'connection-lost' || outcome === 'timed-out') && !s.completed.has(k)).map(([k]) => k);
  return [...new Set([...s.inFlight, ...cut])];
}

/** Returns the uncertain keys that will re-run; throws if any needs the operator's decision. */
function decideInFlight(s: JournalState, tasks: Map<string, { step: PlanStep }>, assumeDone: Set<string>, rerun: Set<string>): string[] {
  const again: string[] = [];
  const undecided: string[] = [];
  for (const key of uncertainTasks(s)) {
    if (assumeDone.has(key)) continue;
    if (rerun.has(key) || tasks.get(key)?.step.idempotent) again.push(key);
    else undecided.push(key);
  }
  if (undecided.length > 0) {
    throw new KubedrError(
      'RESUME_IN_FLIGHT',
      `these non-idempotent tasks were running when the run stopped or lost their connection; kubedr cannot know whether they completed: ${undecided.join(', ')}`,
      {
        hint: `check each on its node, then resume with --assume-done STEP@NODE (it completed) or --rerun STEP@NODE (run it again), e.g. --assume-done ${undecided[0] ?? ''}`,
        exitCode: 2,
      },
    );
  }
  return again;
}
