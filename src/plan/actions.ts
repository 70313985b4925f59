// Renders a model Action for one node (or the operator machine) into a PlannedAction. Each
// field is rendered with its own kind: commands are shell-quoted, paths and messages are not.
import type { Action, InventoryNode, PlannedAction, RenderedManifestEdit, RenderedText } from '../model/index.js';
import { renderTemplate, type FieldKind, type Issue } from './render.js';
import type { Scope } from './scope.js';

export interface RenderedAction {
  action: PlannedAction;
  issues: Issue[];
  raw: string[];
}

export function renderAction(action: Action, scope: Scope): RenderedAction {
  const issues: Issue[] = [];
  const raw: string[] = [];
  const r = (template: string, field: FieldKind): RenderedText => {
    const out = renderTemplate(template, field, scope);
    issues.push(...out.issues);
    raw.push(...out.raw);
    return out.text;
  };
  const sudo = (wanted: boolean) => wanted && becomes(scope.node);
  return { action: build(action, r, sudo), issues, raw };
}

type R = (template: string, field: FieldKind) => RenderedText;

function build(a: Action, r: R, sudo: (wanted: boolean) => boolean): PlannedAction {
  switch (a.kind) {
    case 'shell':
      return { kind: 'shell', script: r(a.script, 'shell'), sudo: sudo(a.sudo) };
    case 'upload': {
      const out: PlannedAction = { kind: 'upload', src: r(a.src, 'path'), dest: r(a.dest, 'path') };
      if (a.mode !== undefined) out.mode = a.mode;
      if (a.sha256 !== undefined) out.sha256 = r(a.sha256, 'text');
      return out;
    }
    case 'download':
      return { kind: 'download', src: r(a.src, 'path'), dest: r(a.dest, 'path') };
    case 'manifest':
      return { kind: 'manifest', file: r(a.file, 'path'), edits: a.edits.map((e) => edit(e, r)), sudo: sudo(a.sudo) };
    case 'wait': {
      const out: PlannedAction = { kind: 'wait', command: r(a.command, 'shell'), timeoutMs: a.timeoutMs, intervalMs: a.intervalMs, sudo: sudo(a.sudo) };
      if (a.match !== undefined) out.match = a.match;
      return out;
    }
    case 'capture':
      return { kind: 'capture', command: r(a.command, a.secret ? 'capture-secret' : 'capture-plain'), secret: a.secret, sudo: sudo(a.sudo) };
    case 'local':
      return { kind: 'local', command: r(a.command, 'local') };
    case 'confirm':
      return { kind: 'confirm', message: r(a.message, 'text') };
  }
}

function edit(e: Extract<Action, { kind: 'manifest' }>['edits'][number], r: R): RenderedManifestEdit {
  if (e.op === 'setFlag') return { op: 'setFlag', flag: e.flag, value: r(e.value, 'text') };
  if (e.op === 'setHostPath') return { op: 'setHostPath', volume: e.volume, path: r(e.path, 'path') };
  return { op: 'removeFlag', flag: e.flag };
}

/** The runbook says a command needs root; the inventory says whether to escalate for it. */
function becomes(node: InventoryNode | undefined): boolean {
  return node?.become.enabled ?? false;
}
