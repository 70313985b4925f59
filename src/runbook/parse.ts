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

export function readRunbook(text: string, source: string): RunbookResult {
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
