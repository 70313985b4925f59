// Pure runbook parsing: YAML (positions) → schema → model → inventory-independent rules.
// `readRunbook` returns every problem; `parseRunbook` throws them as one InputError.
import { InputError, type Problem } from '../errors/index.js';
import type { Runbook, Step } from '../model/index.js';
import { parseYaml, sha256, yamlLocator, type Locator, type PathSeg } from '../schema/index.js';
import { buildRunbook } from './build.js';
import { runbookSchemaProblems } from './dr-actions.js';
import { runbookRules } from './rules.js';

export interface RunbookResult {
  runbook?: Runbook;
  problems: Problem[];
  locate: Locator;
  stepPaths: Map<Step, PathSeg[]>;
}

/** The source of a prepared runbook until it is read under its real name: no path can be this. */
const PREPARED_SOURCE = '\u0000prepared runbook\u0000';

/**
 * Runbooks read ahead of time, by text; each used once (the caller gets the model to itself).
 * Without their locator, which would keep the composed YAML document: made again if asked for.
 */
const prepared = new Map<string, { runbook: Runbook; stepPaths: Map<Step, PathSeg[]> }>();

/**
 * Reads `text` now, so that the next readRunbook of the very same text returns this model at
 * once: the start-up snapshot (src/cli/snapshot.ts) does it for the built-in runbooks, whose YAML
 * parse, schema check and model build were most of what `plan` spent on them. Keyed by content,
 * not by path: a file that differs by one byte is read as usual. Kept only for a runbook without
 * problems whose model is plain data (objects, arrays, strings, numbers, booleans) holding the
 * source name only as whole values (positions, the runbook's source), which readRunbook sets to
 * the name it is read under. Returns the model kept, or undefined.
 */
export function prepareRunbook(text: string): Runbook | undefined {
  const result = readRunbook(text, PREPARED_SOURCE);
  if (!result.runbook || result.problems.length > 0 || !plainWithWholeSource(result.runbook, new Set())) return undefined;
  prepared.set(text, { runbook: result.runbook, stepPaths: result.stepPaths });
  return result.runbook;
}

function readPrepared(text: string, source: string): RunbookResult | undefined {
  const ready = prepared.get(text);
  if (!ready) return undefined;
  prepared.delete(text);
  setSource(ready.runbook, source, new Set());
  let locate: Locator | undefined;
  return { ...ready, problems: [], locate: (path, opts) => (locate ??= yamlLocator(text, source))(path, opts) };
}

/**
 * Whether `value` is plain data that setSource can rebase: objects (of Object.prototype or none)
 * and arrays with writable enumerable own data properties and string keys, not frozen or sealed;
 * strings that are PREPARED_SOURCE whole or do not contain it; numbers, booleans, null, undefined.
 */
function plainWithWholeSource(value: unknown, seen: Set<object>): boolean {
  if (typeof value === 'string') return value === PREPARED_SOURCE || !value.includes(PREPARED_SOURCE);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return true;
  if (typeof value !== 'object') return false;
  if (seen.has(value)) return true;
  seen.add(value);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!(Array.isArray(value) ? proto === Array.prototype : proto === Object.prototype || proto === null)) return false;
  if (!Object.isExtensible(value) || Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
    if (Array.isArray(value) && key === 'length') continue;
    if (key.includes(PREPARED_SOURCE) || !('value' in d) || !d.writable || !d.enumerable) return false;
    if (!plainWithWholeSource(d.value, seen)) return false;
  }
  return true;
}

/** Replaces every PREPARED_SOURCE value in `value` (plain data: plainWithWholeSource), in place. */
function setSource(value: unknown, source: string, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (record[key] === PREPARED_SOURCE) record[key] = source;
    else setSource(record[key], source, seen);
  }
}

export function readRunbook(text: string, source: string): RunbookResult {
  const ready = readPrepared(text, source);
  if (ready) return ready;
  const yaml = parseYaml(text, source);
  const empty = { locate: yaml.locate, stepPaths: new Map<Step, PathSeg[]>() };
  if (yaml.value === undefined) return { ...empty, problems: yaml.problems };
  const schemaProblems = runbookSchemaProblems(yaml.value, yaml.locate);
  if (schemaProblems.length > 0) return { ...empty, problems: [...yaml.problems, ...schemaProblems] };
  const built = buildRunbook(yaml.value as Record<string, unknown>, source, sha256(text), yaml.locate);
  const problems = [...yaml.problems, ...built.problems];
  for (const rule of runbookRules) problems.push(...rule(built.runbook, { locate: yaml.locate, stepPaths: built.stepPaths }));
  return { runbook: built.runbook, problems, locate: yaml.locate, stepPaths: built.stepPaths };
}

/** The runbook, or an InputError listing every problem (warnings alone do not throw). */
export function parseRunbook(text: string, source: string): Runbook {
  const { runbook, problems } = readRunbook(text, source);
  if (!runbook || problems.some((p) => p.severity === 'error')) throw new InputError(problems, `invalid runbook ${source}`);
  return runbook;
}
