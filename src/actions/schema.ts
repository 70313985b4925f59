// The DR actions' part of schemas/runbook.schema.json: a `$defs/dr.<name>` per action (its
// argsSchema with the summary as description) and a step property referring to it. Written by
// `npm run gen:validators`; test/actions/schema-sync.test.ts fails when the file is out of date.
import { DR_ACTIONS } from './index.js';

type Schema = Record<string, unknown>;

export const DR_DEF_PREFIX = 'dr.';

/** The runbook schema with exactly the current DR actions in it (other parts untouched). */
export function withDrActions(runbookSchema: Schema): Schema {
  const defs = { ...((runbookSchema.$defs ?? {}) as Record<string, Schema>) };
  const step = { ...(defs.step ?? {}) };
  const props = { ...((step.properties ?? {}) as Record<string, Schema>) };
  for (const k of Object.keys(defs)) if (k.startsWith(DR_DEF_PREFIX)) delete defs[k];
  for (const [k, v] of Object.entries(props)) if (typeof v.$ref === 'string' && v.$ref.startsWith(`#/$defs/${DR_DEF_PREFIX}`)) delete props[k];
  for (const [name, action] of Object.entries(DR_ACTIONS).sort(([a], [b]) => a.localeCompare(b))) {
    defs[`${DR_DEF_PREFIX}${name}`] = { description: `DR action: ${action.summary} (docs/actions.md)`, ...action.argsSchema };
    props[name] = { $ref: `#/$defs/${DR_DEF_PREFIX}${name}` };
  }
  defs.step = { ...step, properties: props };
  return { ...runbookSchema, $defs: defs };
}

/**
 * The same, on the hand-formatted file text: one line per action in `$defs` (before "step")
 * and in the step's properties (after "confirm"), so regenerating never reflows the rest.
 */
export function withDrActionsText(text: string): string {
  const lines = text.split('\n').filter((l) => !l.startsWith(`    "${DR_DEF_PREFIX}`) && !l.includes(`"$ref": "#/$defs/${DR_DEF_PREFIX}`));
  const entries = Object.entries(DR_ACTIONS).sort(([a], [b]) => a.localeCompare(b));
  const defs = entries.map(([name, a]) => `    ${JSON.stringify(`${DR_DEF_PREFIX}${name}`)}: ${JSON.stringify({ description: `DR action: ${a.summary} (docs/actions.md)`, ...a.argsSchema })},`);
  const props = entries.map(([name]) => `        ${JSON.stringify(name)}: { "$ref": "#/$defs/${DR_DEF_PREFIX}${name}" },`);
  const stepAt = lines.indexOf('    "step": {');
  if (stepAt < 0) throw new Error('runbook schema: no "step" definition line');
  lines.splice(stepAt, 0, ...defs);
  const confirmAt = lines.findIndex((l) => l.startsWith('        "confirm": { "$ref": "#/$defs/confirmAction" }'));
  if (confirmAt < 0) throw new Error('runbook schema: no step "confirm" property line');
  lines.splice(confirmAt + 1, 0, ...props);
  return lines.join('\n');
}
