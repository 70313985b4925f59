// Executes a Plan: per-node locks first, then phase by phase, step by step (a step marked
// `withPrevious` runs together with the steps before it, see stepGroups); on a step whose
// failure policy stops the run, the rollback policy decides whether to unwind the undo stack.
import { decide } from './approval.js';
import { KubedrError } from '../errors/index.js';
import { stepGroups, type Plan } from '../model/index.js';
import { createContext, type RunContext } from './context.js';
import { acquireNodeLocks, releaseNodeLocks } from './node-lock.js';
import { unwind } from './rollback.js';
import { runStep } from './step.js';
import type { EngineDeps, EngineOptions, PriorState, RunResult } from './types.js';

export async function executePlan(plan: Plan, deps: EngineDeps, opts: EngineOptions, prior?: PriorState): Promise<RunResult> {
  requireSecrets(plan, opts);
  const ctx = createContext(plan, deps, opts, prior);
  return withNodeLocks(ctx, async () => {
    let failedStep: string | undefined;
    outer: for (const phase of plan.phases) {
      ctx.emit({ kind: 'phase-start', phase: phase.name, at: ctx.iso() });
      for (const group of stepGroups(phase.steps)) {
        // A group's steps start together; the next group waits for all of them, failed or not.
        const results = await Promise.all(group.map((step) => runStep(ctx, step)));
        const stopped = group.find((_, i) => results[i]?.stop === true);
        if (stopped) {
          failedStep = stopped.id;
          break outer;
        }
      }
      ctx.emit({ kind: 'phase-end', phase: phase.name, at: ctx.iso() });
    }
    if (deps.signal?.aborted) return { runId: opts.runId, outcome: 'aborted', tasks: ctx.reports };
    if (failedStep === undefined) return { runId: opts.runId, outcome: 'done', tasks: ctx.reports };
    const result: RunResult = { runId: opts.runId, outcome: 'failed', tasks: ctx.reports, failedStep };
    if (ctx.undoStack.length === 0 || !(await wantsRollback(ctx, failedStep))) return result;
    const rb = await unwind(ctx, `step ${failedStep} failed`);
    return rb === 'done' ? { ...result, outcome: 'rolled-back' } : { ...result, rollbackIncomplete: true };
  });
}

/** Unwinds what an earlier process left on the undo stack (`kubedr rollback <run-id>`). */
export async function rollbackPlan(plan: Plan, deps: EngineDeps, opts: EngineOptions, prior: PriorState): Promise<RunResult> {
  requireSecrets(plan, opts);
  const ctx = createContext(plan, deps, opts, prior);
  return withNodeLocks(ctx, async () => {
    const rb = await unwind(ctx, 'requested by the operator');
    const outcome = rb === 'done' ? 'rolled-back' : rb === 'aborted' ? 'aborted' : 'failed';
    return { runId: opts.runId, outcome, tasks: ctx.reports, ...(rb === 'done' ? {} : { rollbackIncomplete: true }) };
  });
}

async function withNodeLocks(ctx: RunContext, body: () => Promise<RunResult>): Promise<RunResult> {
  const { deps, opts, plan } = ctx;
  const t0 = deps.now();
  ctx.emit({ kind: 'run-start', runId: opts.runId, mode: opts.mode, planHash: plan.hash, runbook: plan.runbook.name, cluster: plan.inventory.cluster, at: ctx.iso() });
  let locked: string[] = [];
  try {
    if (opts.nodeLock) locked = await acquireNodeLocks(ctx, opts.nodeLock);
  } catch (err) {
    // Nothing ran; reporters and the audit still see the run end.
    await deps.journal.append({ r: 'run-end', outcome: 'failed', at: ctx.iso() });
    ctx.emit({ kind: 'run-end', runId: opts.runId, outcome: 'failed', durationMs: deps.now() - t0, at: ctx.iso() });
    throw err;
  }
  try {
    const result = await body();
    await deps.journal.append({ r: 'run-end', outcome: result.outcome, at: ctx.iso() });
    ctx.emit({ kind: 'run-end', runId: opts.runId, outcome: result.outcome, durationMs: deps.now() - t0, at: ctx.iso() });
    return result;
  } finally {
    if (opts.nodeLock) await releaseNodeLocks(ctx, opts.nodeLock, locked);
  }
}

async function wantsRollback(ctx: RunContext, failedStep: string): Promise<boolean> {
  const policy = ctx.opts.rollback;
  if (policy === 'never') return false;
  if (policy === 'auto' || ctx.opts.yes) return true;
  const message = `step ${failedStep} failed; undo the ${ctx.undoStack.length} completed task(s) with an undo, in reverse order?`;
  return (await decide(ctx, { kind: 'rollback', stepId: failedStep, message }, { auto: false })).approved;
}

function requireSecrets(plan: Plan, opts: EngineOptions): void {
  const missing = plan.secretParams.filter((n) => opts.secrets[n] === undefined);
  if (missing.length > 0) {
    throw new KubedrError('ENGINE_MISSING_SECRET', `no value for secret param(s) ${missing.join(', ')}`, {
      hint: 'secrets are never stored; pass them again (environment or prompt) on every run, resume and rollback',
      exitCode: 2,
    });
  }
}
