// One step: its pending tasks on their nodes, in parallel (p-limit), serially or in batches;
// then the step's failure policy decides whether the run goes on. A step ends before the next.
import { decide } from './approval.js';
import pLimit from 'p-limit';
import type { PlanStep, PlanTask } from '../model/index.js';
import type { RunContext } from './context.js';
import { runTask } from './task.js';

export interface StepResult {
  outcome: 'done' | 'failed' | 'skipped';
  /** The failure policy says the run must not go on. */
  stop: boolean;
  failed: string[];
}

export async function runStep(ctx: RunContext, step: PlanStep): Promise<StepResult> {
  const { iso } = ctx;
  const pending = step.tasks.filter((t) => !ctx.completed.has(t.key));
  const unneeded = pending.length > 0 ? nothingChanged(ctx, step) : undefined;
  ctx.emit({ kind: 'step-start', stepId: step.id, phase: step.phase, nodes: unneeded === undefined ? pending.map((t) => t.node) : [], at: iso() });
  if (step.skipped || pending.length === 0 || unneeded !== undefined) {
    const outcome = step.skipped || unneeded !== undefined ? 'skipped' : 'done';
    ctx.emit({ kind: 'step-end', stepId: step.id, outcome, ...(unneeded !== undefined ? { reason: unneeded } : {}), at: iso() });
    return { outcome, stop: false, failed: [] };
  }
  if (step.confirm !== undefined && !(await approveStep(ctx, step, step.confirm))) {
    ctx.emit({ kind: 'step-end', stepId: step.id, outcome: 'failed', at: iso() });
    return { outcome: 'failed', stop: true, failed: [] };
  }
  const failed: string[] = [];
  let halted = false;
  const total = step.tasks.length;
  const overLimit = (): boolean => {
    const p = step.onFailure;
    if (p.mode === 'stop') return failed.length > 0;
    if (p.mode === 'maxFailPercent') return (failed.length * 100) / total > p.percent;
    return false;
  };
  const one = async (task: PlanTask): Promise<void> => {
    // Once the policy is exceeded (or the operator interrupts), no new task starts; running ones finish.
    if (halted || ctx.deps.signal?.aborted) return;
    const r = await runTask(ctx, step, task);
    if (r.outcome !== 'done') {
      failed.push(task.key);
      if (overLimit()) halted = true;
    }
  };
  for (const { tasks, limit } of groupsOf(step, pending, ctx.opts.concurrency)) {
    if (halted || ctx.deps.signal?.aborted) break;
    const run = pLimit(limit);
    await Promise.all(tasks.map((t) => run(one, t)));
  }
  const stop = overLimit() || ctx.deps.signal?.aborted === true;
  const outcome = stop || failed.length > 0 ? 'failed' : 'done';
  ctx.emit({ kind: 'step-end', stepId: step.id, outcome, at: iso() });
  return { outcome, stop, failed };
}

/**
 * For a step with `onlyIfChanged`: the reason to skip it when that step changed nothing in this
 * run (every one of its tasks completed and reported no change, or it had none), else undefined.
 * Only a run executes actions: a rehearsal runs each step's check whatever came before.
 */
function nothingChanged(ctx: RunContext, step: PlanStep): string | undefined {
  const id = step.onlyIfChanged;
  if (id === undefined || (ctx.opts.mode !== 'run' && ctx.opts.mode !== 'resume')) return undefined;
  const ref = ctx.steps.get(id);
  if (ref === undefined) return undefined;
  if (ref.skipped || ref.tasks.length === 0) return `${id} did not run`;
  const same = ref.tasks.every((t) => ctx.completed.has(t.key) && ctx.unchanged.has(t.key));
  return same ? `${id} changed nothing on ${ref.tasks.map((t) => t.node).join(', ')}` : undefined;
}

function groupsOf(step: PlanStep, tasks: PlanTask[], global: number): { tasks: PlanTask[]; limit: number }[] {
  const c = step.concurrency;
  const cap = Math.max(1, global);
  if (c.mode === 'serial') return [{ tasks, limit: 1 }];
  if (c.mode === 'parallel') return [{ tasks, limit: Math.max(1, Math.min(cap, c.limit ?? cap)) }];
  const size = Math.max(1, c.size);
  const out: { tasks: PlanTask[]; limit: number }[] = [];
  for (let i = 0; i < tasks.length; i += size) out.push({ tasks: tasks.slice(i, i + size), limit: Math.min(cap, size) });
  return out;
}

async function approveStep(ctx: RunContext, step: PlanStep, message: string): Promise<boolean> {
  return (await decide(ctx, { kind: 'step', stepId: step.id, message })).approved;
}
