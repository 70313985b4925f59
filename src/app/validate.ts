// Use-case `validate`: every problem of a runbook + inventory + params, in one report. Reads the
// two files and nothing else; the planner does the cross-file rules (targets, variables…).
import { etcdDeploymentFit, readInventory, readInventoryFile } from '../inventory/index.js';
import type { Problem } from '../errors/index.js';
import type { Inventory, Plan } from '../model/index.js';
import { limitPlan, parseParamFlags, planRunbook, resolveLimit } from '../plan/index.js';
import { readRunbook, readRunbookFile, type RunbookResult } from '../runbook/index.js';
import { applyBackupRevision } from './backup-revision.js';
import { applyRestoreSource } from './restore-source.js';
import { checkUploadSources } from './upload-sources.js';

export interface CheckInput {
  runbook: string;
  inventory: string;
  /** `name=value` strings from --param. */
  params?: string[];
  /** `--limit`: only these nodes' (or groups') tasks of the finished plan (src/plan/limit.ts). */
  limit?: string;
}

export interface CheckReport {
  problems: Problem[];
  errors: number;
  warnings: number;
  /** Present when the inputs were good enough to plan (possibly with warnings). */
  plan?: Plan;
  /** The inventory as read, when it had no errors: callers resolve endpoints from it instead of reading the file again. */
  inventory?: Inventory;
}

export async function validate(input: CheckInput): Promise<CheckReport> {
  const [rb, inv] = await Promise.all([readRunbookFile(input.runbook), readInventoryFile(input.inventory)]);
  const report = check(rb, inv, input.params ?? [], input.limit);
  if (!report.plan) return report;
  const steps = new Map((rb.runbook?.phases ?? []).flatMap((p) => p.steps).map((s) => [s.id, s]));
  const missing = await checkUploadSources(report.plan, (id) => {
    const step = steps.get(id);
    return step ? rb.locate([...(rb.stepPaths.get(step) ?? []), 'upload', 'src']) : undefined;
  });
  return { ...report, problems: sortProblems([...report.problems, ...missing]), warnings: report.warnings + missing.length };
}

/** The same, over texts already in memory (tests and benchmarks). */
export function validateTexts(runbook: { text: string; source: string }, inventory: { text: string; source: string }, params: string[] = [], limit?: string): CheckReport {
  return check(readRunbook(runbook.text, runbook.source), readInventory(inventory.text, inventory.source), params, limit);
}

function check(rb: RunbookResult, inv: ReturnType<typeof readInventory>, paramFlags: string[], limit: string | undefined): CheckReport {
  const flags = parseParamFlags(paramFlags);
  const problems = [...rb.problems, ...inv.problems, ...flags.problems];
  let plan: Plan | undefined;
  // plan even when a file has rule errors: the cross-file rules then report their problems too
  if (rb.runbook && inv.inventory) {
    const source = applyRestoreSource(rb.runbook, flags.given);
    const revision = applyBackupRevision(rb.runbook, source.given);
    problems.push(...source.problems, ...revision.problems);
    const result = planRunbook(rb.runbook, inv.inventory, {
      params: revision.given,
      locate: (step, path, needle) => rb.locate([...(rb.stepPaths.get(step) ?? []), ...path], needle === undefined ? {} : { needle }),
      paramPos: (name) => rb.locate(['params', name]),
    });
    problems.push(...result.problems);
    problems.push(...etcdDeploymentFit(rb.runbook.name, inv.inventory, () => rb.locate(['metadata', 'name'])));
    plan = result.plan;
    if (limit !== undefined && plan) {
      const keep = resolveLimit(limit, inv.inventory);
      problems.push(...keep.problems);
      if (keep.problems.length === 0) {
        const limited = limitPlan(plan, rb.runbook, limit, keep.nodes);
        problems.push(...limited.problems);
        plan = limited.plan;
      }
    }
  }
  const sorted = sortProblems(problems);
  const errors = sorted.filter((p) => p.severity === 'error').length;
  const report: CheckReport = { problems: sorted, errors, warnings: sorted.length - errors };
  if (plan && errors === 0) report.plan = plan;
  if (inv.inventory) report.inventory = inv.inventory;
  return report;
}

/** File order, then line and column (problems without a position last): the order an operator fixes them in. */
function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => {
    if (!a.pos) return b.pos ? 1 : 0;
    if (!b.pos) return -1;
    return a.pos.file.localeCompare(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col;
  });
}
