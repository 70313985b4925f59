// Turns ajv errors into positioned problems with a stable code and a hint that says the fix.
// ajv reports every failed anyOf branch; we keep the errors that explain the real mistake.
import type { ErrorObject } from 'ajv';
import type { Problem } from '../errors/index.js';
import type { Locator, PathSeg } from './locate.js';
import { closest } from './suggest.js';

const SUFFIX: Record<string, string> = {
  additionalProperties: 'UNKNOWN_FIELD',
  required: 'MISSING_FIELD',
  type: 'WRONG_TYPE',
  enum: 'BAD_VALUE',
  const: 'BAD_VALUE',
  pattern: 'BAD_FORMAT',
  minimum: 'OUT_OF_RANGE',
  maximum: 'OUT_OF_RANGE',
  minItems: 'EMPTY',
  minProperties: 'EMPTY',
  minLength: 'EMPTY',
  maxProperties: 'TOO_MANY',
  uniqueItems: 'DUPLICATE_ITEM',
  propertyNames: 'BAD_NAME',
};
const SHAPE = new Set(['type', 'enum', 'const', 'anyOf']);

export function toPath(instancePath: string): PathSeg[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Keeps the informative errors: shape mismatches only when nothing deeper explains more. */
export function selectErrors(errors: ErrorObject[]): ErrorObject[] {
  const inner = errors.filter((e) => e.propertyName === undefined);
  const deeper = (e: ErrorObject) =>
    inner.some((o) => o.instancePath.startsWith(`${e.instancePath}/`) || (o.instancePath === e.instancePath && !SHAPE.has(o.keyword)));
  const kept = inner.filter((e) => !SHAPE.has(e.keyword) || !deeper(e));
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  // several shape errors at one path (anyOf) merge into one "wrong type" problem
  for (const e of kept) {
    const id = SHAPE.has(e.keyword) ? `${e.instancePath}|shape` : `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(e);
  }
  return out;
}

export function schemaProblems(errors: ErrorObject[], prefix: string, locate: Locator): Problem[] {
  const all = selectErrors(errors);
  return all.map((e) => {
    const path = toPath(e.instancePath);
    const shapes = SHAPE.has(e.keyword) ? errors.filter((o) => o.instancePath === e.instancePath && SHAPE.has(o.keyword)) : [e];
    const { message, hint, keyPath } = describe(e, shapes, path);
    const where = pathText(keyPath ?? path);
    return {
      code: `${prefix}_${SUFFIX[e.keyword === 'anyOf' ? 'type' : e.keyword] ?? 'SCHEMA'}`,
      message: where ? `${where}: ${message}` : message,
      hint,
      pos: keyPath ? locate(keyPath, { key: e.keyword !== 'uniqueItems' }) : locate(path),
      severity: 'error' as const,
    };
  });
}

function describe(e: ErrorObject, shapes: ErrorObject[], path: PathSeg[]): { message: string; hint: string; keyPath?: PathSeg[] } {
  const p = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as { properties?: Record<string, unknown>; description?: string };
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const guess = closest(field, allowed);
      return {
        message: `unknown field "${field}"`,
        hint: guess ? `did you mean "${guess}"? allowed here: ${allowed.join(', ')}` : `remove it; allowed here: ${allowed.join(', ') || 'nothing'}`,
        keyPath: [...path, field],
      };
    }
    case 'required':
      return { message: `missing required field "${String(p.missingProperty)}"`, hint: `add "${String(p.missingProperty)}:" here` };
    case 'propertyNames':
      return { message: `invalid name "${String(p.propertyName)}"`, hint: 'rename it: letters, digits, "_" (params) or "--flag-name" (flags)', keyPath: [...path, String(p.propertyName)] };
    case 'pattern':
      return { message: `"${String(e.data)}" has the wrong format`, hint: parent.description ?? `it must match ${String(p.pattern)}` };
    case 'minimum':
    case 'maximum':
      return { message: e.message ?? 'out of range', hint: `use a value ${(e.message ?? 'in range').replace(/^must be /, '')}` };
    case 'minItems':
    case 'minProperties':
    case 'minLength':
      return { message: 'must not be empty', hint: 'add at least one entry, or remove the field' };
    case 'maxProperties':
      return { message: 'holds more than one action', hint: 'keep exactly one action key (shell, upload, download, manifest, wait, capture, local)' };
    case 'uniqueItems':
      return { message: 'lists the same entry twice', hint: 'remove the duplicate entry', keyPath: [...path, Math.max(Number(p.i), Number(p.j))] };
    default:
      if (path.length === 0) return { message: 'the file is empty or is not a YAML mapping', hint: 'start the file with "apiVersion: kubedr.io/v1alpha1" and its "kind:"' };
      return describeShape(shapes);
  }
}

function describeShape(shapes: ErrorObject[]): { message: string; hint: string } {
  const expected = new Set<string>();
  for (const s of shapes) {
    const p = s.params as Record<string, unknown>;
    if (s.keyword === 'type') for (const t of String(p.type).split(',')) expected.add(/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
    if (s.keyword === 'enum') for (const v of (p.allowedValues as unknown[]) ?? []) expected.add(JSON.stringify(v));
    if (s.keyword === 'const') expected.add(JSON.stringify(p.allowedValue));
  }
  const list = [...expected].join(' or ');
  return { message: `has the wrong value or type (expected ${list || 'another form'})`, hint: `use ${list || 'the form the schema documents'}` };
}

function pathText(path: PathSeg[]): string {
  return path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '');
}
