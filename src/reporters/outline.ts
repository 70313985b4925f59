// The shape the TTY reporter draws (phases → steps; undo steps for rollback), taken from the
// Plan: listr2 needs its task tree before it starts, while events only reveal it as they come.
import type { Plan } from '../model/index.js';

export interface OutlineStep {
  id: string;
  /** Nodes that have an undo for this step (for the rollback section). */
  undoNodes: string[];
}

export interface ProgressOutline {
  phases: { name: string; steps: OutlineStep[] }[];
}

export function outlineOfPlan(plan: Pick<Plan, 'phases'>): ProgressOutline {
  return {
    phases: plan.phases.map((p) => ({
      name: p.name,
      steps: p.steps.map((s) => ({ id: s.id, undoNodes: s.tasks.filter((t) => t.undo !== undefined).map((t) => t.node) })),
    })),
  };
}
