// One (step, node) task: journal its start before anything runs, run with retries, journal the
// end (and the undo push, in the same record, so a crash cannot separate them).
import { createHash } from 'node:crypto';
import type { PlannedAction, PlanStep, PlanTask } from '../model/index.js';
import { displayText } from '../plan/text.js';
import { runAction, type ActionResult } from './actions.js';
import type { RunContext } from './context.js';
import { mayRetry } from './outcome.js';
import { missingCaptures, textsOf } from './refs.js';
import type { TaskReport } from './types.js';

/** Digest of the command as planned (refs unresolved), so it never depends on a secret. */
export function commandDigest(action: PlannedAction): string {
  const shown = `${action.kind}\n${textsOf(action).map(displayText).join('\n')}`;
  return `sha256:${createHash('sha256').update(shown).digest('hex')}`;
}

export function hasUndo(task: PlanTask): boolean {
  return task.undo !== undefined || task.action.kind === 'manifest';
}

export async function runTask(ctx: RunContext, step: PlanStep, task: PlanTask): Promise<TaskReport> {
  const { deps, iso } = ctx;
  const maxAttempts = Math.max(1, step.retry.attempts);
  const digest = commandDigest(task.action);
  const started = deps.now();
  let attempt = 0;
  for (;;) {
    attempt++;
    const recaptured = await obtainCaptures(ctx, task.action, task.node);
    await deps.journal.append({ r: 'task-start', key: task.key, attempt, at: iso() });
    ctx.emit({ kind: 'task-start', stepId: step.id, node: task.node, attempt, commandDigest: digest, at: iso() });
    const t0 = deps.now();
    const r: ActionResult = recaptured ?? (await runAction(ctx, step, task.node, task.action));
    const durationMs = deps.now() - t0;
    // Interrupted by the operator: leave the task "in flight" in the journal so that resume asks.
    if (deps.signal?.aborted && r.outcome !== 'done') {
      return finish(ctx, step, task, { ...r, error: 'interrupted' }, attempt, deps.now() - started);
    }
    const done = r.outcome === 'done';
    const keepCapture = r.capture !== undefined && task.action.kind === 'capture' && !task.action.secret && !ctx.redactor.reveals(r.capture);
    const pushUndo = done && hasUndo(task);
    await deps.journal.append({
      r: 'task-end',
      key: task.key,
      outcome: r.outcome,
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      durationMs,
      ...(keepCapture ? { capture: r.capture } : {}),
      ...(r.capture !== undefined && !keepCapture ? { captureWithheld: true } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(pushUndo ? { pushUndo: true } : {}),
      ...(done && r.changed === false ? { unchanged: true } : {}),
      at: iso(),
    });
    if (done) {
      if (r.capture !== undefined) ctx.captures.set(task.key, r.capture);
      if (r.changed === false) ctx.unchanged.add(task.key);
      else ctx.unchanged.delete(task.key);
      ctx.completed.add(task.key);
      if (pushUndo) ctx.undoStack.push(task.key);
      return finish(ctx, step, task, r, attempt, deps.now() - started);
    }
    if (attempt >= maxAttempts || !mayRetry(r.outcome, r.permanent, step.idempotent) || deps.signal?.aborted) {
      return finish(ctx, step, task, r, attempt, deps.now() - started);
    }
    const delayMs = step.retry.backoffMs * 2 ** (attempt - 1);
    ctx.emit({ kind: 'task-retry', stepId: step.id, node: task.node, attempt: attempt + 1, reason: r.error ?? r.outcome, delayMs, at: iso() });
    await deps.sleep(delayMs, deps.signal);
  }
}

function finish(ctx: RunContext, step: PlanStep, task: PlanTask, r: ActionResult, attempts: number, durationMs: number): TaskReport {
  ctx.emit({
    kind: 'task-end',
    stepId: step.id,
    node: task.node,
    outcome: r.outcome,
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    durationMs,
    ...(r.error !== undefined ? { error: r.error } : {}),
    at: ctx.iso(),
  });
  const report: TaskReport = {
    key: task.key,
    outcome: r.outcome,
    durationMs,
    attempts,
    stdout: r.stdout,
    stderr: r.stderr,
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
  ctx.reports.set(task.key, report);
  return report;
}

/**
 * Secret captures are never journaled, so after a restart a task that needs one re-runs the
 * capture task that produced it (once per process), journaled as `recapture` — not as a second
 * completion. Returns a failed result when that fails, so the dependent task fails clearly.
 */
export async function obtainCaptures(ctx: RunContext, action: PlannedAction, node: string): Promise<ActionResult | undefined> {
  for (const key of missingCaptures(ctx, action, node)) {
    let p = ctx.recaptures.get(key);
    if (p === undefined) {
      p = recapture(ctx, key);
      ctx.recaptures.set(key, p);
    }
    await p;
    if (!ctx.captures.has(key)) {
      return { outcome: 'failed', stdout: '', stderr: '', permanent: true, error: `could not obtain the secret capture of ${key} again (re-running it failed)` };
    }
  }
  return undefined;
}

async function recapture(ctx: RunContext, key: string): Promise<void> {
  const task = ctx.tasks.get(key);
  const step = task ? ctx.steps.get(task.stepId) : undefined;
  if (!task || !step) return;
  // Shown to reporters and the audit as a further attempt of the capture task: it did run again.
  ctx.emit({ kind: 'task-start', stepId: step.id, node: task.node, attempt: 0, commandDigest: commandDigest(task.action), at: ctx.iso() });
  const t0 = ctx.deps.now();
  const r = await runAction(ctx, step, task.node, task.action);
  await ctx.deps.journal.append({ r: 'recapture', key, outcome: r.outcome, at: ctx.iso() });
  finish(ctx, step, task, r, 1, ctx.deps.now() - t0);
  if (r.outcome === 'done' && r.capture !== undefined) ctx.captures.set(key, r.capture);
}
