// The state of one engine invocation, shared by steps, tasks and rollback.
import type { Plan, PlanStep, PlanTask, RunEvent } from '../model/index.js';
import type { EngineDeps, EngineOptions, PriorState, TaskReport } from './types.js';
import { Redactor } from './redact.js';

export interface RunContext {
  plan: Plan;
  deps: EngineDeps;
  opts: EngineOptions;
  redactor: Redactor;
  steps: Map<string, PlanStep>;
  tasks: Map<string, PlanTask>;
  completed: Set<string>;
  /** Captured stdout (trailing newlines cut) by task key; secret ones only in memory. */
  captures: Map<string, string>;
  /** Keys whose capture was secret in an earlier process: re-run to obtain it again. */
  withheld: Set<string>;
  undoStack: string[];
  /** Completed tasks that reported no change (journaled): an `onlyIfChanged` step asks. */
  unchanged: Set<string>;
  /** One re-capture per key per process. */
  recaptures: Map<string, Promise<void>>;
  reports: Map<string, TaskReport>;
  emit: (event: RunEvent) => void;
  iso: () => string;
}

export function createContext(plan: Plan, deps: EngineDeps, opts: EngineOptions, prior?: PriorState): RunContext {
  const redactor = new Redactor();
  for (const name of plan.secretParams) {
    const v = opts.secrets[name];
    if (v !== undefined) redactor.add(v);
  }
  const steps = new Map<string, PlanStep>();
  const tasks = new Map<string, PlanTask>();
  for (const phase of plan.phases) {
    for (const step of phase.steps) {
      steps.set(step.id, step);
      for (const t of step.tasks) tasks.set(t.key, t);
    }
  }
  const emit = (event: RunEvent): void => {
    const safe = redactEvent(event, redactor);
    for (const sink of deps.sinks) sink(safe);
  };
  return {
    plan,
    deps,
    opts,
    redactor,
    steps,
    tasks,
    completed: new Set(prior?.completed ?? []),
    captures: new Map(prior?.captures ?? []),
    withheld: new Set(prior?.withheld ?? []),
    undoStack: [...(prior?.undoStack ?? [])],
    unchanged: new Set(prior?.unchanged ?? []),
    recaptures: new Map(),
    reports: new Map(),
    emit,
    iso: () => new Date(deps.now()).toISOString(),
  };
}

/** Last line of defence: free-text fields of every event pass through the redactor. */
function redactEvent(event: RunEvent, r: Redactor): RunEvent {
  if (r.size === 0) return event;
  switch (event.kind) {
    case 'task-output':
      return { ...event, chunk: r.redact(event.chunk) };
    case 'task-retry':
      return { ...event, reason: r.redact(event.reason) };
    case 'task-end':
      return event.error === undefined ? event : { ...event, error: r.redact(event.error) };
    case 'approval':
      return { ...event, message: r.redact(event.message) };
    default:
      return event;
  }
}
