// A step whose key is a built-in DR action (src/actions): its arguments expand, here at build
// time, into the step's action, check and undo, so the planner renders a normal step and
// `kubedr plan` shows the exact commands. The action states its own check, undo and idempotency;
// a step that also gives one would silently change what the action promises, so it is refused.
import { DR_ACTIONS, expandDrAction, isDrActionName } from '../actions/index.js';
import type { Problem } from '../errors/index.js';
import type { SourcePos, Step } from '../model/index.js';
import { parseDuration, schemaErrors, schemaProblems, toPath, type Locator } from '../schema/index.js';

type Obj = Record<string, unknown>;

/** @default task timeout of a DR action step when neither the step nor the action gives one. */
const DEFAULT_TIMEOUT_MS = 300_000;

/** Fields the action decides; a step calling it may not set them. */
const ACTION_OWNED = ['undo', 'check', 'readOnly', 'idempotent'] as const;

export function drActionKeys(raw: Obj): string[] {
  return Object.keys(raw).filter(isDrActionName);
}

export function expandStep(raw: Obj, name: string, pos: SourcePos | undefined, keyPos: (field: string) => SourcePos | undefined): { step?: Step; problems: Problem[] } {
  const id = String(raw.id);
  const problems: Problem[] = [];
  for (const field of ACTION_OWNED) {
    if (raw[field] === undefined) continue;
    const at = keyPos(field);
    problems.push({
      code: 'RUNBOOK_ACTION_OWNS_FIELD',
      message: `step "${id}" uses the DR action ${name}, which brings its own ${field}`,
      hint: `remove "${field}:" (docs/actions.md states ${name}'s check, undo and idempotency); for a different ${field}, write the step with shell/wait/manifest instead`,
      ...(at ? { pos: at } : {}),
      severity: 'error',
    });
  }
  if (problems.length > 0) return { problems };
  const args = (raw[name] ?? {}) as Obj;
  const x = expandDrAction(name, args);
  const step: Step = {
    id,
    name: raw.name === undefined ? `${name}: ${DR_ACTIONS[name]?.summary ?? id}` : String(raw.name),
    action: x.action,
    uses: { action: name, args },
    concurrency: { mode: 'parallel' },
    retry: { attempts: 1, backoffMs: 0 },
    timeoutMs: parseDuration(raw.timeout, x.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    idempotent: x.idempotent || x.readOnly === true,
    readOnly: x.readOnly === true,
    onFailure: { mode: 'stop' },
  };
  if (x.undo) step.undo = x.undo;
  if (x.check && x.readOnly !== true) step.check = x.check;
  if (raw.confirm !== undefined) step.confirm = String(raw.confirm);
  if (pos) step.pos = pos;
  return { step, problems };
}

/**
 * Pass one (JSON Schema), with the problems inside a DR action's arguments under one stable
 * code that names the step and the action: the schema holds every action's argsSchema.
 */
export function runbookSchemaProblems(value: unknown, locate: Locator): Problem[] {
  const errors = schemaErrors('runbook', value);
  const inArgs = (e: (typeof errors)[number]) => {
    const p = toPath(e.instancePath);
    return p[0] === 'phases' && p[2] === 'steps' && typeof p[4] === 'string' && isDrActionName(p[4]);
  };
  const other = schemaProblems(errors.filter((e) => !inArgs(e)), 'RUNBOOK', locate);
  // Grouped per step, so that ajv's several errors for one mistake still merge into one problem.
  const groups = new Map<string, typeof errors>();
  for (const e of errors.filter(inArgs)) {
    const p = toPath(e.instancePath);
    const key = `${String(p[1])}/${String(p[3])}/${String(p[4])}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const args = [...groups].flatMap(([key, group]) => {
    const [pi, si, name = ''] = key.split('/');
    const step = ((value as { phases: { steps: Obj[] }[] }).phases[Number(pi)]?.steps[Number(si)] ?? {}) as Obj;
    const known = Object.keys((DR_ACTIONS[name]?.argsSchema.properties ?? {}) as Obj).join(', ');
    return schemaProblems(group, 'RUNBOOK', locate).map((pr) => ({
      ...pr,
      code: 'RUNBOOK_ACTION_ARGS',
      message: `step "${String(step.id)}": ${name} arguments: ${pr.message}`,
      hint: `${pr.hint ?? ''}${known ? ` (${name} takes: ${known}; see docs/actions.md)` : ''}`,
    }));
  });
  return [...other, ...args];
}
