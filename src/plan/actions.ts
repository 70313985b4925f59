// Renders a model Action for one node (or the operator machine) into a PlannedAction. Each
// field is rendered with its own kind: commands are shell-quoted, paths and messages are not.
// Fields that use no node value render the same on every node: they are rendered once per step
// and shared (plans are immutable), which keeps 1,000-node plans fast.
import type { Action, PlannedAction, RenderedManifestEdit, RenderedText } from '../model/index.js';
import { renderPrimitive } from './primitives.js';
import { renderInto, type FieldKind, type Issue, type RenderSink } from './render.js';
import type { Scope } from './scope.js';
import { expressionsOf } from './template.js';

export interface RenderedAction {
  action: PlannedAction;
  issues: Issue[];
  raw: string[];
}

/** Per-step cache of node-independent fields, keyed by field kind and template. */
export type FieldCache = Map<string, RenderedText>;

export function renderAction(action: Action, scope: Scope, cache?: FieldCache): RenderedAction {
  const r = new FieldRenderer(scope, cache);
  return { action: r.action(action), issues: r.sink.issues, raw: r.sink.raw };
}

class FieldRenderer {
  readonly sink: RenderSink = { issues: [], raw: [] };
  constructor(
    private readonly scope: Scope,
    private readonly cache: FieldCache | undefined,
  ) {}

  text(template: string, field: FieldKind): RenderedText {
    if (!this.cache || usesNode(template)) return renderInto(template, field, this.scope, this.sink);
    const key = `${field}\u0000${template}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const out = renderInto(template, field, this.scope, this.sink);
    this.cache.set(key, out);
    return out;
  }

  /** The runbook says a command needs root; the inventory says whether to escalate for it. */
  sudo(wanted: boolean): boolean {
    return wanted && (this.scope.node?.become.enabled ?? false);
  }

  action(a: Action): PlannedAction {
    switch (a.kind) {
      case 'shell':
        return { kind: 'shell', script: this.text(a.script, 'shell'), sudo: this.sudo(a.sudo) };
      case 'upload': {
        const out: PlannedAction = { kind: 'upload', src: this.text(a.src, 'path'), dest: this.text(a.dest, 'path') };
        if (a.mode !== undefined) out.mode = a.mode;
        if (a.sha256 !== undefined) out.sha256 = this.text(a.sha256, 'text');
        return out;
      }
      case 'download':
        return { kind: 'download', src: this.text(a.src, 'path'), dest: this.text(a.dest, 'path') };
      case 'manifest':
        return { kind: 'manifest', file: this.text(a.file, 'path'), edits: a.edits.map((e) => this.edit(e)), sudo: this.sudo(a.sudo) };
      case 'wait': {
        const out: PlannedAction = { kind: 'wait', command: this.text(a.command, 'shell'), timeoutMs: a.timeoutMs, intervalMs: a.intervalMs, sudo: this.sudo(a.sudo) };
        if (a.match !== undefined) out.match = a.match;
        return out;
      }
      case 'capture':
        return { kind: 'capture', command: this.text(a.command, a.secret ? 'capture-secret' : 'capture-plain'), secret: a.secret, sudo: this.sudo(a.sudo) };
      case 'local':
        return { kind: 'local', command: this.text(a.command, 'local') };
      case 'confirm':
        return { kind: 'confirm', message: this.text(a.message, 'text') };
      case 'placeManifest':
      case 'ensureFiles':
        return renderPrimitive(a, this.scope, (t, f) => this.text(t, f), (i) => this.sink.issues.push(i), this.sudo(a.sudo));
    }
  }

  edit(e: Extract<Action, { kind: 'manifest' }>['edits'][number]): RenderedManifestEdit {
    if (e.op === 'setFlag') return { op: 'setFlag', flag: e.flag, value: this.text(e.value, 'text') };
    if (e.op === 'setHostPath') return { op: 'setHostPath', volume: e.volume, path: this.text(e.path, 'path') };
    if (e.op === 'relaxProbes') return { op: 'relaxProbes', dbFile: this.text(e.dbFile, 'path') };
    if (e.op === 'restoreProbes') return { op: 'restoreProbes', from: this.text(e.from, 'path') };
    return { op: 'removeFlag', flag: e.flag };
  }
}

const nodeUse = new Map<string, boolean>();

function usesNode(template: string): boolean {
  let v = nodeUse.get(template);
  if (v === undefined) {
    v = expressionsOf(template).some((e) => e.path[0] === 'node');
    if (nodeUse.size > 10_000) nodeUse.clear();
    nodeUse.set(template, v);
  }
  return v;
}
