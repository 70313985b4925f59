// Plans one step: decides `when`, selects nodes, renders action/undo/check per node, and turns
// every issue into a positioned problem. Skipped steps are still rendered so that their
// mistakes are reported, but keep no tasks.
import type { Problem } from '../errors/index.js';
import { LOCAL_NODE, type PlanStep, type PlanTask, type Step } from '../model/index.js';
import { renderAction, type FieldCache } from './actions.js';
import type { StepLocator } from './build.js';
import { renderTemplate, toBool, type Issue } from './render.js';
import type { Scope } from './scope.js';
import { selectNodes } from './targets.js';
import { displayText } from './text.js';

export function planStep(step: Step, phase: string, scope: Scope, locate: StepLocator): { step: PlanStep; problems: Problem[]; selected: number } {
  const problems: Problem[] = [];
  const report = (issues: Issue[], path: (string | number)[]) => {
    for (const i of issues) {
      const pos = positionOf(i, path);
      problems.push({ code: i.code, message: `step "${step.id}": ${i.message}`, hint: i.hint, severity: i.severity ?? 'error', ...(pos ? { pos } : {}) });
    }
  };
  const { node: _node, ...operatorScope } = scope;
  // A needle with context finds this occurrence of an expression; the column is the expression's.
  const positionOf = (i: Issue, path: (string | number)[]) => {
    if (!i.needleOffset || i.needle === undefined) return locate(step, path, i.needle);
    const at = locate(step, path, i.needle);
    if (at && JSON.stringify(at) !== JSON.stringify(locate(step, path))) return { ...at, col: at.col + i.needleOffset };
    return locate(step, path, i.needle.slice(i.needleOffset));
  };

  let skipped = false;
  if (step.when !== undefined) {
    const when = renderTemplate(step.when, 'when', operatorScope);
    report(when.issues, ['when']);
    const value = toBool(displayText(when.text));
    if (value === undefined && when.issues.length === 0) {
      report([{ code: 'RUNBOOK_WHEN_NOT_BOOLEAN', message: `"when" renders to "${displayText(when.text)}", which is not true or false`, hint: 'use a bool param, e.g. when: "{{ params.rejoinWorkers }}"' }], ['when']);
    }
    skipped = value === false;
  }
  let confirm: string | undefined;
  if (step.confirm !== undefined) {
    const rendered = renderTemplate(step.confirm, 'text', operatorScope);
    report(rendered.issues, ['confirm']);
    confirm = displayText(rendered.text);
  }

  const actionKey = step.action.kind;
  const tasks: PlanTask[] = [];
  const raw = new Set<string>();
  const cache: FieldCache = new Map();
  const renderFor = (node: string, nodeScope: Scope) => {
    const issues: [Issue[], (string | number)[]][] = [];
    const action = renderAction(step.action, nodeScope, cache);
    issues.push([action.issues, [actionKey]]);
    action.raw.forEach((r) => raw.add(r));
    const task: PlanTask = { key: `${step.id}@${node}`, stepId: step.id, node, action: action.action };
    if (step.undo) {
      const undo = renderAction(step.undo, nodeScope, cache);
      issues.push([undo.issues, ['undo']]);
      undo.raw.forEach((r) => raw.add(r));
      task.undo = undo.action;
    }
    // A read-only step's check is its action: the rehearsal runs the very probe the run would.
    if (step.readOnly) task.check = action.action;
    else if (step.check) {
      const check = renderAction(step.check, nodeScope, cache);
      issues.push([check.issues, ['check']]);
      task.check = check.action;
    }
    for (const [list, path] of issues) report(skipped ? list.filter((i) => i.code !== 'RUNBOOK_CAPTURE_SKIPPED') : list, path);
    tasks.push(task);
  };

  if (!step.targets) {
    renderFor(LOCAL_NODE, operatorScope);
  } else {
    const { nodes, issues } = selectNodes(step.targets, scope.inventory);
    for (const i of issues) report([{ code: i.code, message: i.message, hint: i.hint }], ['targets', ...i.at]);
    for (const node of nodes) renderFor(node.name, { ...scope, node });
  }

  const planned: PlanStep = {
    id: step.id,
    name: step.name,
    phase,
    concurrency: step.concurrency,
    retry: step.retry,
    timeoutMs: step.timeoutMs,
    idempotent: step.idempotent,
    onFailure: step.onFailure,
    skipped,
    tasks: skipped ? [] : tasks,
  };
  if (step.description !== undefined) planned.description = step.description;
  if (step.uses !== undefined) planned.uses = step.uses;
  if (step.readOnly) planned.readOnly = true;
  if (step.withPrevious) planned.withPrevious = true;
  if (step.onlyIfChanged !== undefined) planned.onlyIfChanged = step.onlyIfChanged;
  if (confirm !== undefined) planned.confirm = confirm;
  if (raw.size > 0) planned.raw = [...raw];
  return { step: planned, problems, selected: tasks.length };
}
