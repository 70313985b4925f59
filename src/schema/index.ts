// Public surface of src/schema: YAML with positions, the ajv validators, positioned messages.
import type { Problem } from '../errors/index.js';
import { schemaErrors, type SchemaName } from './ajv.js';
import type { Locator } from './locate.js';
import { schemaProblems } from './messages.js';

export { parseYaml, yamlLocator, type ParsedYaml } from './yaml.js';
export { createLocator, type Locator, type LocateOptions, type PathSeg } from './locate.js';
export { schemaPath, schemaErrors, type SchemaName } from './ajv.js';
export { schemaProblems, toPath } from './messages.js';
export { closest, didYouMean } from './suggest.js';

/** Pass one of validation: JSON Schema problems, each with a position and a hint. */
export function validateSchema(name: SchemaName, value: unknown, locate: Locator): Problem[] {
  const prefix = name === 'inventory' ? 'INVENTORY' : 'RUNBOOK';
  return schemaProblems(schemaErrors(name, value), prefix, locate);
}
export { parseDuration, formatDuration } from './duration.js';
export { canonicalHash, canonicalJson, sha256 } from './canonical.js';
