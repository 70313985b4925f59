// Schema-valid runbook document → model Runbook, with step defaults applied and the one action
// of each step identified (reporting steps with none or several).
import type { Problem } from '../errors/index.js';
import type { ActionKind, Concurrency, FailurePolicy, ParamSpec, ParamValue, Phase, RetryPolicy, Runbook, Step, TargetSpec } from '../model/index.js';
import { parseDuration, type Locator, type PathSeg } from '../schema/index.js';
import { buildAction, nestedAction, NODE_ACTION_KEYS } from './actions.js';
import { drActionKeys, expandStep } from './dr-actions.js';

type Obj = Record<string, unknown>;

/** @default timeout of a task when the step gives none: 5 minutes. */
export const DEFAULT_TIMEOUT_MS = 300_000;
/** @default pause between attempts when `retry: n` gives no backoff. */
export const DEFAULT_BACKOFF_MS = 5_000;

export interface BuiltRunbook {
  runbook: Runbook;
  problems: Problem[];
  /** Where each step sits in the document, for positioning later problems. */
  stepPaths: Map<Step, PathSeg[]>;
}

export function buildRunbook(doc: Obj, source: string, hash: string, locate: Locator): BuiltRunbook {
  const problems: Problem[] = [];
  const stepPaths = new Map<Step, PathSeg[]>();
  const meta = doc.metadata as Obj;
  const params: ParamSpec[] = Object.entries((doc.params ?? {}) as Record<string, Obj>).map(([name, p]) => {
    const spec: ParamSpec = { name, type: p.type as ParamSpec['type'], required: p.required === true };
    if (p.default !== undefined) spec.default = p.default as ParamValue;
    if (p.description !== undefined) spec.description = String(p.description);
    return spec;
  });
  const phases: Phase[] = (doc.phases as Obj[]).map((ph, pi) => {
    const phase: Phase = { name: String(ph.name), steps: [] };
    if (ph.description !== undefined) phase.description = String(ph.description);
    (ph.steps as Obj[]).forEach((raw, si) => {
      const path = ['phases', pi, 'steps', si];
      const dr = drActionKeys(raw);
      const kinds = [...NODE_ACTION_KEYS.filter((k) => raw[k] !== undefined), ...dr];
      const kind: ActionKind | undefined = (NODE_ACTION_KEYS as readonly string[]).includes(kinds[0] ?? '') ? (kinds[0] as ActionKind) : raw.confirm !== undefined && kinds.length === 0 ? 'confirm' : undefined;
      if (kinds.length > 1) {
        problems.push({ code: 'RUNBOOK_STEP_MULTIPLE_ACTIONS', message: `step "${String(raw.id)}" has ${kinds.length} actions (${kinds.join(', ')})`, hint: 'split it into one step per action', pos: locate([...path, kinds[1] ?? ''], { key: true }), severity: 'error' });
      }
      if (!kind && dr.length === 0) {
        problems.push({ code: 'RUNBOOK_STEP_NO_ACTION', message: `step "${String(raw.id)}" has no action`, hint: `add one of: ${[...NODE_ACTION_KEYS, 'confirm'].join(', ')}, or a DR action (docs/actions.md)`, pos: locate(path), severity: 'error' });
        return;
      }
      if (raw.readOnly === true && raw.idempotent === false) {
        problems.push({ code: 'RUNBOOK_READONLY_NOT_IDEMPOTENT', message: `step "${String(raw.id)}" is readOnly and idempotent: false`, hint: 'a step that changes nothing is safe to run again: remove idempotent: false, or remove readOnly: true', pos: locate([...path, 'idempotent'], { key: true }), severity: 'error' });
      }
      if (!kind) {
        const name = dr[0] ?? '';
        const built = expandStep(raw, name, locate(path), (field) => locate([...path, field], { key: true }));
        problems.push(...built.problems);
        if (!built.step) return;
        applyStepOptions(built.step, raw);
        stepPaths.set(built.step, path);
        phase.steps.push(built.step);
        return;
      }
      const step = buildStep(raw, kind, locate(path));
      stepPaths.set(step, path);
      phase.steps.push(step);
    });
    return phase;
  });
  const runbook: Runbook = { source, name: String(meta.name), params, phases, hash };
  if (meta.description !== undefined) runbook.description = String(meta.description);
  if (meta.version !== undefined) runbook.version = String(meta.version);
  return { runbook, problems, stepPaths };
}

function buildStep(raw: Obj, kind: ActionKind, pos: Step['pos']): Step {
  const step: Step = {
    id: String(raw.id),
    name: raw.name === undefined ? String(raw.id) : String(raw.name),
    action: buildAction(kind, raw[kind]),
    concurrency: concurrency(raw.concurrency),
    retry: retry(raw.retry),
    timeoutMs: parseDuration(raw.timeout, DEFAULT_TIMEOUT_MS),
    // A read-only step is safe to run again after an interruption, whatever it says.
    idempotent: raw.idempotent === true || raw.readOnly === true,
    readOnly: raw.readOnly === true,
    onFailure: onFailure(raw.onFailure),
  };
  applyStepOptions(step, raw);
  if (kind !== 'confirm' && raw.confirm !== undefined) step.confirm = String(raw.confirm);
  const undo = nestedAction(raw.undo);
  if (undo) step.undo = undo;
  const check = nestedAction(raw.check);
  if (check) step.check = check;
  if (pos) step.pos = pos;
  return step;
}

/** Options every step has, whatever its action: scheduling, failure policy, texts. */
function applyStepOptions(step: Step, raw: Obj): void {
  step.concurrency = concurrency(raw.concurrency);
  step.retry = retry(raw.retry);
  step.onFailure = onFailure(raw.onFailure);
  if (raw.description !== undefined) step.description = String(raw.description);
  if (raw.targets !== undefined) step.targets = raw.targets as TargetSpec;
  if (raw.when !== undefined) step.when = String(raw.when);
  if (raw.withPrevious === true) step.withPrevious = true;
  if (typeof raw.onlyIfChanged === 'string') step.onlyIfChanged = raw.onlyIfChanged;
}

function concurrency(v: unknown): Concurrency {
  if (v === 'serial') return { mode: 'serial' };
  if (v && typeof v === 'object' && 'batches' in v) return { mode: 'batches', size: Number(v.batches) };
  if (v && typeof v === 'object' && 'parallel' in v) return { mode: 'parallel', limit: Number(v.parallel) };
  return { mode: 'parallel' };
}

function retry(v: unknown): RetryPolicy {
  if (typeof v === 'number') return { attempts: v, backoffMs: v > 1 ? DEFAULT_BACKOFF_MS : 0 };
  if (v && typeof v === 'object') {
    const o = v as Obj;
    const attempts = Number(o.attempts);
    return { attempts, backoffMs: parseDuration(o.backoff, attempts > 1 ? DEFAULT_BACKOFF_MS : 0) };
  }
  return { attempts: 1, backoffMs: 0 };
}

function onFailure(v: unknown): FailurePolicy {
  if (v === 'continue') return { mode: 'continue' };
  if (v && typeof v === 'object' && 'maxFailPercent' in v) return { mode: 'maxFailPercent', percent: Number(v.maxFailPercent) };
  return { mode: 'stop' };
}
