// The contract of a built-in DR action: typed arguments (a JSON Schema that runbook validation
// and editors use), and a pure expansion into the generic model actions the plan renderer
// already renders and quotes per node. The action states its own check (rehearsal), undo
// (rollback: never deletes, moves aside) and idempotency (resume), so a runbook step cannot.
import type { Action, Template } from '../model/index.js';

export interface ActionExpansion {
  action: Action;
  /** Read-only probe that holds BEFORE the run (tools present, paths writable). */
  check?: Action;
  /** Compensating action for rollback; moves things back, never deletes. */
  undo?: Action;
  /** Safe to run again after an interruption: resume re-runs it without --rerun. */
  idempotent: boolean;
  /** The action itself only looks and holds before the run: a rehearsal runs it as its check. */
  readOnly?: boolean;
  /** Per-task timeout when the step gives none. */
  timeoutMs?: number;
}

export interface DrAction<A = Record<string, unknown>> {
  name: string;
  /** One line for `kubedr plan`, docs/actions.md and the schema's description. */
  summary: string;
  /** JSON Schema (2020-12) of the arguments; copied into schemas/runbook.schema.json. */
  argsSchema: Record<string, unknown>;
  /** Pure: the same args always give the same expansion (the plan is hashed). */
  expand(args: A): ActionExpansion;
}

/** String arguments are templates: `{{ params.stageDir }}/{{ run.id }}/snapshot.db`. */
export type TemplateArg = Template;
