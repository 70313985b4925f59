// Pure runbook parsing: YAML (positions) → schema → model → inventory-independent rules.
// `readRunbook` returns every problem; `parseRunbook` throws them as one InputError.
import { InputError, type Problem } from '../errors/index.js';
import type { Runbook, Step } from '../model/index.js';
import { parseYaml, sha256, type Locator, type PathSeg } from '../schema/index.js';
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

/** Runbooks read ahead of time, by text; each used once (the caller gets the model to itself). */
const prepared = new Map<string, RunbookResult>();

/**
 * Reads `text` now, so that the next readRunbook of the very same text returns its model at once:
 * the start-up snapshot (src/cli/snapshot.ts) does it for the built-in runbooks, whose YAML
 * parse, schema check and model build were most of what `plan` spent on them. Keyed by content,
 * not by path: a file that differs by one byte is read as usual. Only a runbook without problems
 * is kept, and only if its source name appears in the model as whole values (positions, the
 * runbook's source), which readRunbook sets to the name it is read under. Returns whether it was kept.
 */
export function prepareRunbook(text: string): boolean {
  const result = readRunbook(text, PREPARED_SOURCE);
  if (!result.runbook || result.problems.length > 0 || !sourceOnlyWhole(result.runbook, new Set())) return false;
  // The locator would keep the composed YAML document in the snapshot: it is made again if asked for.
  prepared.set(text, { ...result, locate: () => ({ file: PREPARED_SOURCE, line: 1, col: 1 }) });
  return true;
}

function readPrepared(text: string, source: string): RunbookResult | undefined {
  const ready = prepared.get(text);
  if (!ready) return undefined;
  prepared.delete(text);
  setSource(ready.runbook, source, new Set());
  let locate: Locator | undefined;
  return { ...ready, locate: (path, opts) => (locate ??= parseYaml(text, source).locate)(path, opts) };
}

/** Whether PREPARED_SOURCE occurs in `value` only as a whole string, and no function could hold it. */
function sourceOnlyWhole(value: unknown, seen: Set<object>): boolean {
  if (typeof value === 'string') return value === PREPARED_SOURCE || !value.includes(PREPARED_SOURCE);
  if (typeof value === 'function') return false;
  if (typeof value !== 'object' || value === null || seen.has(value)) return true;
  seen.add(value);
  const items = value instanceof Map ? [...value.keys(), ...value.values()] : Object.values(value);
  return items.every((v) => sourceOnlyWhole(v, seen));
}

/** Replaces every PREPARED_SOURCE value in `value`, in place. */
function setSource(value: unknown, source: string, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Map) {
    for (const v of value.values()) setSource(v, source, seen);
    return;
  }
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
