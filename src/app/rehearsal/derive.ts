// A rehearsal is an engine run of a derived plan: every task's action replaced by its step's
// read-only `check`, every other task left out and marked up front (unknown, skipped, approval).
// Pure: the use-case decides what to connect to; this only decides what would be asked.
import type { Plan, PlannedAction, PlanPhase, PlanStep, PlanTask } from '../../model/index.js';
import { hashPlan } from '../../plan/hash.js';
import { refsOf } from '../../plan/text.js';
import { captureStepOf, textsOf } from '../../engine/refs.js';

/** What a rehearsal says about one (step, node). */
export type CellState = 'would-run' | 'blocked' | 'unknown' | 'skipped';

export interface RehearsalCell {
  stepId: string;
  node: string;
  state: CellState;
  reason?: string;
}

/** Kinds a `check` may have: commands that only look. Transfers and edits change a node. */
export const READ_ONLY_CHECK_KINDS: ReadonlySet<PlannedAction['kind']> = new Set(['shell', 'wait', 'capture', 'local']);

export interface DerivedRehearsal {
  /** What the engine runs: probes and checks only, all with `onFailure: continue`. */
  plan: Plan;
  /** Cells decided without running anything (no check, needs a capture, approval, skipped step). */
  decided: RehearsalCell[];
  /** Steps whose `check` is not a read-only kind: the rehearsal refuses to start. */
  unsafe: { stepId: string; kind: string }[];
}

export interface DeriveOptions {
  /** Upper bound on any probe's time, including `wait` checks. @default 30000 */
  probeTimeoutMs?: number;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;

export function deriveRehearsal(plan: Plan, probes: PlanPhase[], opts: DeriveOptions = {}): DerivedRehearsal {
  const cap = opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const decided: RehearsalCell[] = [];
  const unsafe: { stepId: string; kind: string }[] = [];
  const phases: PlanPhase[] = [...probes];
  for (const phase of plan.phases) {
    const steps: PlanStep[] = [];
    for (const step of phase.steps) {
      if (step.skipped) {
        decided.push({ stepId: step.id, node: '*', state: 'skipped', reason: 'when is false' });
        continue;
      }
      const tasks: PlanTask[] = [];
      for (const task of step.tasks) {
        const cell = (state: CellState, reason: string): void => void decided.push({ stepId: step.id, node: task.node, state, reason });
        if (task.action.kind === 'confirm') {
          cell('would-run', 'asks the operator');
          continue;
        }
        const check = task.check;
        if (check === undefined) {
          cell('unknown', 'no check in the runbook');
          continue;
        }
        // placeManifest / ensureFiles checks (mode `check`) only look and say what the run would do.
        const looks = READ_ONLY_CHECK_KINDS.has(check.kind) || ((check.kind === 'placeManifest' || check.kind === 'ensureFiles') && check.mode === 'check');
        if (!looks) {
          if (!unsafe.some((u) => u.stepId === step.id)) unsafe.push({ stepId: step.id, kind: check.kind });
          continue;
        }
        const needs = textsOf(check).flatMap(refsOf).map(captureStepOf).find((s) => s !== undefined);
        if (needs !== undefined) {
          cell('unknown', `check needs the output of step ${needs}, known only during a run`);
          continue;
        }
        tasks.push({ key: task.key, stepId: task.stepId, node: task.node, action: capTimeout(check, cap) });
      }
      if (tasks.length > 0) steps.push(probeStep(step, tasks, cap));
    }
    if (steps.length > 0) phases.push({ name: phase.name, steps });
  }
  const derived: Plan = { ...plan, phases, hash: '' };
  return { plan: { ...derived, hash: hashPlan(derived) }, decided, unsafe };
}

/** A step as the rehearsal runs it: no approval, no retries, no undo, every node probed. */
export function probeStep(step: Pick<PlanStep, 'id' | 'name' | 'phase' | 'timeoutMs'>, tasks: PlanTask[], cap: number): PlanStep {
  return {
    id: step.id,
    name: step.name,
    phase: step.phase,
    concurrency: { mode: 'parallel' },
    retry: { attempts: 1, backoffMs: 0 },
    timeoutMs: Math.min(step.timeoutMs, cap),
    idempotent: true,
    onFailure: { mode: 'continue' },
    skipped: false,
    tasks,
  };
}

function capTimeout(a: PlannedAction, cap: number): PlannedAction {
  return a.kind === 'wait' ? { ...a, timeoutMs: Math.min(a.timeoutMs, cap) } : a;
}
