// Unwinding the undo stack: steps in reverse plan order; within a step, the step's nodes with
// its own concurrency. Every undo is journaled (start, end) and popped only when it succeeded,
// so a rollback that dies is continued by the next one without undoing anything twice. An undo
// that was in flight when the process died is decided by the caller before this runs.
import pLimit from 'p-limit';
import type { PlanStep, PlanTask } from '../model/index.js';
import { runUndo, type ActionResult } from './actions.js';
import type { RunContext } from './context.js';
import { mayRetry } from './outcome.js';
import { obtainCaptures } from './task.js';

export async function unwind(ctx: RunContext, reason: string): Promise<'done' | 'failed' | 'aborted'> {
  const { deps, iso } = ctx;
  await deps.journal.append({ r: 'rollback-start', reason: ctx.redactor.redact(reason), at: iso() });
  const order = [...ctx.steps.keys()];
  const byStep = new Map<string, PlanTask[]>();
  const seen = new Set<string>();
  for (const key of [...ctx.undoStack].reverse()) {
    // A task re-run on resume may be on the stack twice; it is undone once, at its latest place.
    if (seen.has(key)) continue;
    seen.add(key);
    const task = ctx.tasks.get(key);
    if (task === undefined) continue; // validated by the caller against the saved plan
    byStep.set(task.stepId, [...(byStep.get(task.stepId) ?? []), task]);
  }
  const steps = [...byStep.keys()].sort((a, b) => order.indexOf(b) - order.indexOf(a));
  for (const stepId of steps) {
    if (deps.signal?.aborted) return end(ctx, 'aborted');
    const step = ctx.steps.get(stepId);
    if (step === undefined) continue;
    const limit = pLimit(stepLimit(step, ctx.opts.concurrency));
    const results = await Promise.all((byStep.get(stepId) ?? []).map((t) => limit(() => undoOne(ctx, step, t))));
    if (results.some((ok) => !ok)) return end(ctx, 'failed');
  }
  return end(ctx, 'done');
}

async function end(ctx: RunContext, outcome: 'done' | 'failed' | 'aborted'): Promise<'done' | 'failed' | 'aborted'> {
  await ctx.deps.journal.append({ r: 'rollback-end', outcome, at: ctx.iso() });
  return outcome;
}

function stepLimit(step: PlanStep, global: number): number {
  const c = step.concurrency;
  if (c.mode === 'serial') return 1;
  if (c.mode === 'batches') return Math.max(1, Math.min(global, c.size));
  return Math.max(1, Math.min(global, c.limit ?? global));
}

async function undoOne(ctx: RunContext, step: PlanStep, task: PlanTask): Promise<boolean> {
  const { deps, iso } = ctx;
  const maxAttempts = step.idempotent ? Math.max(1, step.retry.attempts) : 1;
  const needs = task.undo ?? task.action;
  const t0 = deps.now();
  ctx.emit({ kind: 'undo-start', stepId: step.id, node: task.node, at: iso() });
  let r: ActionResult = { outcome: 'failed', stdout: '', stderr: '', permanent: true };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const missing = await obtainCaptures(ctx, needs, task.node);
    await deps.journal.append({ r: 'undo-start', key: task.key, at: iso() });
    const a0 = deps.now();
    r = missing ?? (await runUndo(ctx, step, task.node, task.action, task.undo));
    const outcome = r.outcome === 'done' ? 'done' : 'failed';
    await deps.journal.append({
      r: 'undo-end',
      key: task.key,
      outcome,
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      durationMs: deps.now() - a0,
      ...(r.error !== undefined ? { error: r.error } : {}),
      at: iso(),
    });
    if (outcome === 'done' || !mayRetry(r.outcome, r.permanent, step.idempotent) || deps.signal?.aborted) break;
    await deps.sleep(step.retry.backoffMs * 2 ** (attempt - 1), deps.signal);
  }
  const ok = r.outcome === 'done';
  // The journal (undo-end done) is what pops the entry; replayJournal computes what remains.
  ctx.emit({
    kind: 'undo-end',
    stepId: step.id,
    node: task.node,
    outcome: ok ? 'done' : 'failed',
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    durationMs: deps.now() - t0,
    at: iso(),
  });
  return ok;
}
