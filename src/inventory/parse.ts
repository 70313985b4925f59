// Pure inventory parsing: YAML (with positions) → format detection → schema → resolution →
// semantic rules. `readInventory` returns every problem; `parseInventory` throws them.
import { InputError, type Problem } from '../errors/index.js';
import type { Inventory } from '../model/index.js';
import { parseYaml, validateSchema, type Locator } from '../schema/index.js';
import { isAnsibleInventory, translateAnsible, type AnsibleVarOverlays } from './ansible.js';
import type { RawInventory } from './raw.js';
import { resolveInventory } from './resolve.js';
import { inventoryRules } from './rules.js';

export interface InventoryResult {
  inventory?: Inventory;
  problems: Problem[];
  locate: Locator;
}

/** `overlays`: group_vars/ and host_vars/ read beside an Ansible inventory (ignored for kubedr's format). */
export function readInventory(text: string, source: string, overlays: AnsibleVarOverlays & { problems?: Problem[] } = {}): InventoryResult {
  const yaml = parseYaml(text, source);
  if (yaml.value === undefined) return { problems: yaml.problems, locate: yaml.locate };
  let raw: unknown = yaml.value;
  let locate = yaml.locate;
  const format = isAnsibleInventory(raw) ? 'ansible' : 'kubedr';
  const problems = [...yaml.problems];
  if (format === 'ansible') {
    const translated = translateAnsible(raw, locate, overlays);
    problems.push(...(overlays.problems ?? []), ...translated.problems);
    if (!translated.raw) return { problems, locate };
    raw = translated.raw;
    locate = translated.locate;
  }
  const schemaProblems = validateSchema('inventory', raw, locate);
  problems.push(...schemaProblems);
  if (schemaProblems.length > 0) return { problems, locate };
  const { inventory, problems: resolveProblems } = resolveInventory(raw as RawInventory, source, format, locate);
  problems.push(...resolveProblems);
  for (const rule of inventoryRules) problems.push(...rule(inventory, locate));
  return { inventory, problems, locate };
}

/** The inventory, or an InputError listing every problem (warnings alone do not throw). */
export function parseInventory(text: string, source: string, overlays: AnsibleVarOverlays & { problems?: Problem[] } = {}): Inventory {
  const { inventory, problems } = readInventory(text, source, overlays);
  if (!inventory || problems.some((p) => p.severity === 'error')) throw new InputError(problems, `invalid inventory ${source}`);
  return inventory;
}
