// The plan hash guards `resume`: it covers what will run (tasks, params, nodes, runbook bytes)
// and leaves out where files were read from and how the inventory was written, so a Kubespray
// inventory and its native twin give the same hash.
import type { Plan } from '../model/index.js';
import { canonicalJson, sha256 } from '../schema/index.js';

export function hashPlan(plan: Plan): string {
  const { hash: _hash, runbook, inventory, ...rest } = plan;
  return sha256(canonicalJson({ ...rest, runbook: { name: runbook.name, hash: runbook.hash }, inventory: { cluster: inventory.cluster } }));
}
