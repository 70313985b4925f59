// Files → what an executing use-case needs: the Plan (exactly as `kubedr plan` builds it) and the
// resolved inventory nodes (the plan keeps only addresses; the transport needs ssh settings).
import { KubedrError, type Problem } from '../errors/index.js';
import { readInventoryFile } from '../inventory/index.js';
import type { InventoryNode, Plan } from '../model/index.js';
import { plan as buildPlanFromFiles } from './plan.js';

export interface RunInputs {
  plan: Plan;
  nodes: InventoryNode[];
  warnings: Problem[];
}

export interface InputFiles {
  runbook: string;
  inventory: string;
  /** `name=value` strings from --param (never secrets). */
  params?: string[];
  /** `--limit NODE[,NODE…]|GROUP`. */
  limit?: string;
}

export async function loadRunInputs(files: InputFiles): Promise<RunInputs> {
  const out = await buildPlanFromFiles({ runbook: files.runbook, inventory: files.inventory, params: files.params ?? [], ...(files.limit !== undefined ? { limit: files.limit } : {}) });
  return { plan: out.plan, nodes: await loadNodes(files.inventory, out.plan.inventory.hash), warnings: out.warnings };
}

/**
 * The inventory's nodes, checked against the hash the plan was built from: the file must not
 * change between planning and connecting (a swapped address would send commands elsewhere).
 */
export async function loadNodes(inventory: string, expectHash: string | undefined): Promise<InventoryNode[]> {
  const inv = await readInventoryFile(inventory);
  if (!inv.inventory) {
    throw new KubedrError('INVENTORY_INVALID', `inventory ${inventory} no longer validates`, { hint: 'run `kubedr validate` on it', exitCode: 2 });
  }
  if (expectHash !== undefined && inv.inventory.hash !== expectHash) {
    throw new KubedrError('INVENTORY_CHANGED', `inventory ${inventory} is not the one the plan was built from (hash ${inv.inventory.hash.slice(0, 12)}, plan has ${expectHash.slice(0, 12)})`, {
      hint: 'use the inventory the run started with, or pass --force-changed if the change is intended',
      exitCode: 2,
    });
  }
  return inv.inventory.nodes;
}

/** Params of a saved plan as `--param` strings, so resume rebuilds the plan with the same values. */
export function paramFlagsOf(plan: Plan, overrides: readonly string[]): string[] {
  const given = new Set(overrides.map((f) => f.slice(0, Math.max(0, f.indexOf('=')))));
  return [...Object.entries(plan.params).filter(([k]) => !given.has(k)).map(([k, v]) => `${k}=${String(v)}`), ...overrides];
}
