// Pass two for runbooks (inventory-independent): named rules over the built model. Template
// rules (variables, captures, secrets) need the planner's template parser and live in src/plan.
import type { Problem } from '../errors/index.js';
import { stepGroups, type ParamSpec, type Runbook, type Step } from '../model/index.js';
import type { Locator, PathSeg } from '../schema/index.js';

export interface RuleContext {
  locate: Locator;
  stepPaths: Map<Step, PathSeg[]>;
}
type Rule = (rb: Runbook, ctx: RuleContext) => Problem[];

const steps = (rb: Runbook) => rb.phases.flatMap((p) => p.steps);

/** Step ids are checkpoint keys and capture names: two steps cannot share one. */
export const uniqueStepIds: Rule = (rb, { locate, stepPaths }) => {
  const seen = new Set<string>();
  return steps(rb).flatMap((s) => {
    const dup = seen.has(s.id);
    seen.add(s.id);
    if (!dup) return [];
    return [{ code: 'RUNBOOK_DUPLICATE_STEP_ID', message: `step id "${s.id}" is used twice`, hint: 'give every step a unique id (it is the checkpoint key)', pos: locate([...(stepPaths.get(s) ?? []), 'id']), severity: 'error' as const }];
  });
};

export const uniquePhaseNames: Rule = (rb, { locate }) => {
  const seen = new Set<string>();
  return rb.phases.flatMap((ph, i) => {
    const dup = seen.has(ph.name);
    seen.add(ph.name);
    return dup ? [{ code: 'RUNBOOK_DUPLICATE_PHASE', message: `phase name "${ph.name}" is used twice`, hint: 'give every phase a unique name', pos: locate(['phases', i, 'name']), severity: 'error' as const }] : [];
  });
};

/** Node actions need targets; `local` and `confirm` run once on the operator machine. */
export const targetsMatchAction: Rule = (rb, { locate, stepPaths }) =>
  steps(rb).flatMap((s): Problem[] => {
    const path = stepPaths.get(s) ?? [];
    const operator = s.action.kind === 'local' || s.action.kind === 'confirm';
    if (operator && s.targets) return [{ code: 'RUNBOOK_TARGETS_ON_LOCAL', message: `step "${s.id}" is a ${s.action.kind} step, which runs on the operator machine, but has targets`, hint: 'remove "targets:" (or use shell to run on nodes)', pos: locate([...path, 'targets'], { key: true }), severity: 'error' }];
    if (!operator && !s.targets) return [{ code: 'RUNBOOK_MISSING_TARGETS', message: `step "${s.id}" runs on nodes but has no targets`, hint: 'add targets: { roles: [...] } (or nodes, groups, labels)', pos: locate(path), severity: 'error' }];
    return [];
  });

/** A default must have the declared type; a secret must never be written in the runbook. */
export const paramDefaults: Rule = (rb, { locate }) =>
  rb.params.flatMap((p): Problem[] => {
    if (p.default === undefined) return [];
    const pos = locate(['params', p.name, 'default']);
    if (p.type === 'secret') return [{ code: 'RUNBOOK_SECRET_DEFAULT', message: `secret param "${p.name}" has a default value written in the runbook`, hint: 'remove the default: secrets are supplied at run time, never stored in files', pos, severity: 'error' }];
    if (!defaultFits(p)) return [{ code: 'RUNBOOK_PARAM_DEFAULT_TYPE', message: `default of param "${p.name}" is not ${article(p.type)}`, hint: `write ${article(p.type)} value, e.g. ${example(p.type)}`, pos, severity: 'error' }];
    return [];
  });

function defaultFits(p: ParamSpec): boolean {
  if (p.type === 'int') return Number.isInteger(p.default);
  if (p.type === 'bool') return typeof p.default === 'boolean';
  return typeof p.default === 'string';
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function example(type: ParamSpec['type']): string {
  return { int: '3', bool: 'true', string: '"text"', path: '/var/backups/etcd.db', secret: '(none)' }[type];
}

/** A `wait.match` that is not a valid regular expression would only fail mid-restore. */
export const validWaitPatterns: Rule = (rb, { locate, stepPaths }) =>
  steps(rb).flatMap((s) =>
    (['action', 'undo', 'check'] as const).flatMap((slot): Problem[] => {
      const action = s[slot];
      if (action?.kind !== 'wait' || action.match === undefined) return [];
      try {
        new RegExp(action.match);
        return [];
      } catch (err) {
        const at = slot === 'action' ? ['wait', 'match'] : [slot, 'wait', 'match'];
        return [{ code: 'RUNBOOK_BAD_PATTERN', message: `step "${s.id}": wait.match is not a valid regular expression (${(err as Error).message})`, hint: 'fix the pattern, or escape special characters such as ( [ { with a backslash', pos: locate([...(stepPaths.get(s) ?? []), ...at]), severity: 'error' }];
      }
    }),
  );

/** Kinds that only look: a step made of one of them can be `readOnly`. */
const LOOKING_KINDS = new Set(['shell', 'wait', 'capture', 'local']);

/**
 * `readOnly: true` promises that the action changes nothing (a rehearsal runs it on the live
 * cluster): transfers, edits and approvals cannot promise that, and an undo or a separate check
 * would contradict it.
 */
export const readOnlySteps: Rule = (rb, { locate, stepPaths }) =>
  steps(rb).flatMap((s): Problem[] => {
    if (!s.readOnly) return [];
    const at = (key: string) => locate([...(stepPaths.get(s) ?? []), key], { key: true });
    const out: Problem[] = [];
    // placeManifest / ensureFiles in `check` mode only look (manifests: preflight source checks).
    const looks = LOOKING_KINDS.has(s.action.kind) || ((s.action.kind === 'placeManifest' || s.action.kind === 'ensureFiles') && s.action.mode === 'check');
    if (!looks) {
      out.push({ code: 'RUNBOOK_READONLY_ACTION', message: `step "${s.id}" is readOnly but its action is ${s.action.kind}, which changes a node or waits for the operator`, hint: 'remove readOnly: true, or give the step a shell, wait, capture or local action that only looks', pos: at('readOnly'), severity: 'error' });
    }
    if (s.undo) out.push({ code: 'RUNBOOK_READONLY_WITH_UNDO', message: `step "${s.id}" is readOnly and has an undo`, hint: 'a step that changes nothing has nothing to undo: remove the undo, or remove readOnly: true and give it a check', pos: at('undo'), severity: 'error' });
    if (s.check) out.push({ code: 'RUNBOOK_READONLY_WITH_CHECK', message: `step "${s.id}" is readOnly and has a check`, hint: 'a read-only step is its own check (the rehearsal runs its action): remove the check, or remove readOnly: true', pos: at('check'), severity: 'error' });
    return out;
  });

/**
 * `withPrevious: true` starts a step while the one before it runs: there must be one before it
 * in the phase, and an approval must still come before everything after it (a step running
 * alongside an approval would not wait for the operator). Captures: src/plan/build.ts.
 */
export const withPreviousSteps: Rule = (rb, { locate, stepPaths }) =>
  rb.phases.flatMap((ph) =>
    ph.steps.flatMap((s, i): Problem[] => {
      if (!s.withPrevious) return [];
      const pos = locate([...(stepPaths.get(s) ?? []), 'withPrevious'], { key: true });
      const prev = ph.steps[i - 1];
      if (!prev) return [{ code: 'RUNBOOK_WITH_PREVIOUS_FIRST', message: `step "${s.id}" runs with the previous step, but it is the first step of phase "${ph.name}"`, hint: 'remove withPrevious: true (phases run one after the other)', pos, severity: 'error' }];
      const gated = (x: Step): boolean => x.action.kind === 'confirm' || x.confirm !== undefined;
      if (gated(s) || gated(prev)) return [{ code: 'RUNBOOK_WITH_PREVIOUS_APPROVAL', message: `step "${s.id}" runs with step "${prev.id}", but ${gated(s) ? `"${s.id}"` : `"${prev.id}"`} asks for approval`, hint: 'remove withPrevious: true: an approval must be given before the steps after it start', pos, severity: 'error' }];
      return [];
    }),
  );

/**
 * `onlyIfChanged: <id>` asks, when the step starts, whether that step changed anything: it must
 * be a step that has ended by then (earlier, and not started together with this one).
 */
export const onlyIfChangedSteps: Rule = (rb, { locate, stepPaths }) => {
  const groups = rb.phases.flatMap((ph) => stepGroups(ph.steps));
  const order: Step[] = groups.flat();
  const groupOf = new Map(groups.flatMap((g, i) => g.map((s) => [s, i] as const)));
  return order.flatMap((s, i): Problem[] => {
    if (s.onlyIfChanged === undefined) return [];
    const pos = locate([...(stepPaths.get(s) ?? []), 'onlyIfChanged']);
    const ref = order.find((x) => x.id === s.onlyIfChanged);
    const earlier = order.slice(0, i).map((x) => x.id).filter((id) => id !== s.id);
    const hint = earlier.length > 0 ? `name a step before "${s.id}", e.g. ${earlier.slice(-3).map((id) => `"${id}"`).join(', ')}` : `"${s.id}" is the first step: remove onlyIfChanged`;
    if (!ref) return [{ code: 'RUNBOOK_ONLY_IF_CHANGED_UNKNOWN', message: `step "${s.id}": onlyIfChanged names "${s.onlyIfChanged}", which is no step of this runbook`, hint, pos, severity: 'error' }];
    if (order.indexOf(ref) >= i || groupOf.get(ref) === groupOf.get(s)) {
      return [{ code: 'RUNBOOK_ONLY_IF_CHANGED_NOT_BEFORE', message: `step "${s.id}": onlyIfChanged names "${ref.id}", which has not ended when "${s.id}" starts`, hint: `${hint} (and not one it runs together with)`, pos, severity: 'error' }];
    }
    return [];
  });
};

export const runbookRules: Rule[] = [uniqueStepIds, uniquePhaseNames, targetsMatchAction, paramDefaults, validWaitPatterns, readOnlySteps, withPreviousSteps, onlyIfChangedSteps];
