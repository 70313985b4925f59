// Builds model Actions from their YAML forms (short string form or object form) with the
// documented defaults: commands need root (`sudo: true`), waits poll every 5s for up to 5m.
import type { Action, ActionKind, ManifestEdit } from '../model/index.js';
import { parseDuration } from '../schema/index.js';

/** Action keys of a step, except `confirm`, which is also the name of the approval option. */
export const NODE_ACTION_KEYS = ['shell', 'upload', 'download', 'manifest', 'wait', 'capture', 'local'] as const;
export const ACTION_KEYS: readonly ActionKind[] = [...NODE_ACTION_KEYS, 'confirm'];

type Obj = Record<string, unknown>;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const obj = (v: unknown, key: string): Obj => (typeof v === 'string' ? { [key]: v } : ((v ?? {}) as Obj));
const sudo = (o: Obj): boolean => o.sudo !== false;

/** The model Action for a schema-valid `kind: value` pair. */
export function buildAction(kind: ActionKind, value: unknown): Action {
  switch (kind) {
    case 'shell': {
      const o = obj(value, 'script');
      return { kind, script: str(o.script), sudo: sudo(o) };
    }
    case 'upload': {
      const o = obj(value, 'src');
      const a: Action = { kind, src: str(o.src), dest: str(o.dest) };
      if (o.mode !== undefined) a.mode = str(o.mode);
      if (o.sha256 !== undefined) a.sha256 = str(o.sha256);
      return a;
    }
    case 'download': {
      const o = obj(value, 'src');
      return { kind, src: str(o.src), dest: str(o.dest) };
    }
    case 'manifest': {
      const o = obj(value, 'file');
      return { kind, file: str(o.file), edits: manifestEdits(o), sudo: sudo(o) };
    }
    case 'wait': {
      const o = obj(value, 'command');
      const a: Action = { kind, command: str(o.command), timeoutMs: parseDuration(o.timeout, 300_000), intervalMs: parseDuration(o.interval, 5_000), sudo: sudo(o) };
      if (o.match !== undefined) a.match = str(o.match);
      return a;
    }
    case 'capture': {
      const o = obj(value, 'command');
      return { kind, command: str(o.command), secret: o.secret === true, sudo: sudo(o) };
    }
    case 'local':
      return { kind, command: str(obj(value, 'command').command) };
    case 'confirm':
      return { kind, message: str(value) };
    case 'placeManifest':
    case 'ensureFiles':
      // Engine primitives: built by DR actions (src/actions), never written as YAML keys.
      throw new Error(`${kind} is not a runbook key`);
  }
}

function manifestEdits(o: Obj): ManifestEdit[] {
  const edits: ManifestEdit[] = [];
  for (const [flag, value] of Object.entries((o.setFlags ?? {}) as Obj)) edits.push({ op: 'setFlag', flag, value: str(value) });
  for (const flag of (o.removeFlags ?? []) as string[]) edits.push({ op: 'removeFlag', flag });
  for (const [volume, path] of Object.entries((o.setHostPaths ?? {}) as Obj)) edits.push({ op: 'setHostPath', volume, path: str(path) });
  return edits;
}

/** The single action key inside an `undo:`/`check:` object (the schema guarantees one). */
export function nestedAction(value: unknown): Action | undefined {
  const entry = Object.entries((value ?? {}) as Obj)[0];
  if (!entry) return undefined;
  return buildAction(entry[0] as ActionKind, entry[1]);
}
