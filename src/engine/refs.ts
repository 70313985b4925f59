// Run-time values behind RenderedText refs: `run.id`, `params.<name>` (secret params, given by
// the caller on every start) and `steps.<id>.stdout` (captures). A capture is looked up on the
// same node first, then on the first node of the capturing step that has one, so a capture
// taken on `one: true` node feeds every node of a later step.
import type { PlannedAction, RenderedText, RenderedManifestEdit } from '../model/index.js';
import { refsOf } from '../plan/text.js';
import type { RunContext } from './context.js';

const CAPTURE_REF = /^steps\.([^.]+)\.stdout$/;

export function captureStepOf(ref: string): string | undefined {
  return CAPTURE_REF.exec(ref)?.[1];
}

/** Key of the capture a task on `node` reads for step `stepId`, among keys accepted by `has`. */
function pickCapture(ctx: RunContext, stepId: string, node: string, has: (key: string) => boolean): string | undefined {
  const own = `${stepId}@${node}`;
  if (has(own)) return own;
  return ctx.steps.get(stepId)?.tasks.find((t) => has(t.key))?.key;
}

export function lookupRef(ctx: RunContext, node: string): (ref: string) => string | undefined {
  return (ref) => {
    if (ref === 'run.id') return ctx.opts.runId;
    if (ref.startsWith('params.')) {
      const name = ref.slice('params.'.length);
      const v = ctx.opts.secrets[name] ?? ctx.plan.params[name];
      return v === undefined ? undefined : String(v);
    }
    const stepId = captureStepOf(ref);
    if (stepId === undefined) return undefined;
    const key = pickCapture(ctx, stepId, node, (k) => ctx.captures.has(k));
    return key === undefined ? undefined : ctx.captures.get(key);
  };
}

export function textsOf(action: PlannedAction): RenderedText[] {
  switch (action.kind) {
    case 'shell':
      return [action.script];
    case 'upload':
      return [action.src, action.dest, ...(action.sha256 ? [action.sha256] : [])];
    case 'download':
      return [action.src, action.dest];
    case 'manifest':
      return [action.file, ...action.edits.flatMap(editTexts)];
    case 'wait':
    case 'capture':
    case 'local':
      return [action.command];
    case 'confirm':
      return [action.message];
    case 'placeManifest':
      return [action.stash, action.searchPath, ...(action.backup ? [action.backup] : [])];
    case 'ensureFiles':
      return action.backup ? [action.backup] : [];
  }
}

function editTexts(e: RenderedManifestEdit): RenderedText[] {
  if (e.op === 'setFlag') return [e.value];
  if (e.op === 'setHostPath') return [e.path];
  if (e.op === 'relaxProbes') return [e.dbFile];
  if (e.op === 'restoreProbes') return [e.from];
  return [];
}

/**
 * Keys of tasks whose secret capture must be obtained again before `action` can run on `node`:
 * the value is not in memory, and an earlier process withheld it from the journal.
 */
export function missingCaptures(ctx: RunContext, action: PlannedAction, node: string): string[] {
  const keys = new Set<string>();
  for (const ref of textsOf(action).flatMap(refsOf)) {
    const stepId = captureStepOf(ref);
    if (stepId === undefined) continue;
    if (pickCapture(ctx, stepId, node, (k) => ctx.captures.has(k)) !== undefined) continue;
    const key = pickCapture(ctx, stepId, node, (k) => ctx.withheld.has(k));
    if (key !== undefined) keys.add(key);
  }
  return [...keys];
}
