// Use-case `plan`: the dry-run. Validates everything, then returns the Plan with its text form.
// Opens no connection: planning is pure, only the two input files are read.
import { InputError, type Problem } from '../errors/index.js';
import type { Inventory, Plan } from '../model/index.js';
import { formatPlan } from '../plan/index.js';
import { validate, validateTexts, type CheckInput, type CheckReport } from './validate.js';

export interface PlanOutput {
  plan: Plan;
  /** Warnings found while planning (errors throw). */
  warnings: Problem[];
  /** Human form, as printed by `kubedr plan`. */
  text: string;
  /** The inventory the plan was made for (as read from the file). */
  inventory: Inventory;
}

export async function plan(input: CheckInput): Promise<PlanOutput> {
  return fromReport(await validate(input));
}

export function planTexts(runbook: { text: string; source: string }, inventory: { text: string; source: string }, params: string[] = [], limit?: string): PlanOutput {
  return fromReport(validateTexts(runbook, inventory, params, limit));
}

function fromReport(report: CheckReport): PlanOutput {
  if (report.errors > 0 || !report.plan || !report.inventory) throw new InputError(report.problems, `${report.errors} problem(s) in the input`);
  return { plan: report.plan, warnings: report.problems, text: formatPlan(report.plan), inventory: report.inventory };
}
