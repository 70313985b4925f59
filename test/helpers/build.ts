// In-memory builders for planner tests: a runbook or inventory from a YAML snippet.
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../src/inventory/index.js';
import type { Inventory, Runbook } from '../../src/model/index.js';
import { parseRunbook } from '../../src/runbook/index.js';

export const FIXTURES = 'test/fixtures';

export function fixtureInventory(name = 'three-masters.yaml'): Inventory {
  const path = `${FIXTURES}/inventories/${name}`;
  return parseInventory(readFileSync(path, 'utf8'), path);
}

export function fixtureRunbook(name = 'ha-restore.yaml'): Runbook {
  const path = `${FIXTURES}/runbooks/${name}`;
  return parseRunbook(readFileSync(path, 'utf8'), path);
}

/** A runbook whose one phase holds the given steps (YAML, indented as list items at 6). */
export function runbookWith(steps: string, params = ''): Runbook {
  const text = `apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: t }\n${params ? `params:\n${params}\n` : ''}phases:\n  - name: main\n    steps:\n${steps}`;
  return parseRunbook(text, 'inline.yaml');
}

export function inventoryWith(nodes: string, extra = ''): Inventory {
  return parseInventory(`apiVersion: kubedr.io/v1alpha1\nkind: Inventory\ncluster: { name: t }\n${extra}nodes:\n${nodes}`, 'inline-inventory.yaml');
}
