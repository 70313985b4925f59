// Validators for schemas/*.json (JSON Schema 2020-12). Editors read the JSON files; kubedr runs
// validators compiled from them ahead of time (scripts/gen-validators.ts, ajv standalone code):
// loading ajv's compiler and compiling both schemas took ≈ 0.45 s of every `kubedr` start.
import type { ErrorObject } from 'ajv';
import * as generated from './generated/validators.js';

export type SchemaName = 'inventory' | 'runbook';

/** A generated validator: ajv's ValidateFunction contract (errors of the last call). */
interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validators: Record<SchemaName, Validator> = generated as unknown as Record<SchemaName, Validator>;

/** Absolute path of a shipped schema file (also referenced by `# yaml-language-server`). */
export function schemaPath(name: SchemaName): string {
  return new URL(`../../schemas/${name}.schema.json`, import.meta.url).pathname;
}

/** Raw ajv errors for `value` (empty when valid). */
export function schemaErrors(name: SchemaName, value: unknown): ErrorObject[] {
  const validate = validators[name];
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
