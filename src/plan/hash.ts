// The plan hash guards `resume`: it covers what will run (tasks, params, nodes, runbook bytes)
// and leaves out where files were read from and how the inventory was written, so a Kubespray
// inventory and its native twin give the same hash.
//
// The header goes through canonical JSON (sorted keys). The phases — the bulk of a big plan,
// 10 MB for 20,000 tasks — are built only by this module's code with a fixed key order, so
// plain JSON.stringify is already canonical for them and about 7× faster than sorting.
import type { Plan } from '../model/index.js';
import { canonicalJson, sha256 } from '../schema/index.js';

export function hashPlan(plan: Plan): string {
  const { hash: _hash, runbook, inventory, phases, ...rest } = plan;
  const header = canonicalJson({ ...rest, runbook: { name: runbook.name, hash: runbook.hash }, inventory: { cluster: inventory.cluster } });
  return sha256(`${header}\n${JSON.stringify(phases)}`);
}
