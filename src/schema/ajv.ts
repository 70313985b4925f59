// The single ajv instance (JSON Schema 2020-12). Schemas are read from schemas/*.json, which
// editors also use, and compiled once on first use.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

export type SchemaName = 'inventory' | 'runbook';

let ajv: Ajv2020 | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

/** Absolute path of a shipped schema file (also referenced by `# yaml-language-server`). */
export function schemaPath(name: SchemaName): string {
  return new URL(`../../schemas/${name}.schema.json`, import.meta.url).pathname;
}

function validatorFor(name: SchemaName): ValidateFunction {
  const cached = compiled.get(name);
  if (cached) return cached;
  // verbose: errors carry their parentSchema, which names allowed fields and values for hints.
  ajv ??= new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  const schema = JSON.parse(readFileSync(schemaPath(name), 'utf8')) as object;
  const validate = ajv.compile(schema);
  compiled.set(name, validate);
  return validate;
}

/** Raw ajv errors for `value` (empty when valid). */
export function schemaErrors(name: SchemaName, value: unknown): ErrorObject[] {
  const validate = validatorFor(name);
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
