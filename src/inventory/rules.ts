// Pass two for inventories: named semantic rules over the resolved model. Each returns every
// violation it finds, positioned at the node that causes it.
import type { Problem } from '../errors/index.js';
import type { Inventory, InventoryNode } from '../model/index.js';
import type { Locator } from '../schema/index.js';

type Rule = (inv: Inventory, locate: Locator) => Problem[];

/** Two nodes with one name make targets and checkpoints ambiguous. */
export const uniqueNodeNames: Rule = (inv, locate) =>
  duplicates(inv.nodes, (n) => n.name).map(([n, i]) => ({
    code: 'INVENTORY_DUPLICATE_NODE',
    message: `node name "${n.name}" is used twice`,
    hint: 'give every node a unique name',
    pos: locate(['nodes', i, 'name']),
    severity: 'error',
  }));

/** Same address and port twice is almost always a copy-paste slip (warning: NAT setups exist). */
export const uniqueAddresses: Rule = (inv, locate) =>
  duplicates(inv.nodes, (n) => `${n.address}:${n.ssh.port}`).map(([n, i]) => ({
    code: 'INVENTORY_DUPLICATE_ADDRESS',
    message: `node "${n.name}" has the same address and SSH port as another node (${n.address}:${n.ssh.port})`,
    hint: 'check the address; two nodes cannot usually share one SSH endpoint',
    pos: locate(['nodes', i, 'address']),
    severity: 'warning',
  }));

/** etcd refuses members that share a name or URL; catch it before the restore. */
export const uniqueEtcdMembers: Rule = (inv, locate) => {
  const members = inv.nodes.filter((n) => n.etcd);
  const problems: Problem[] = [];
  for (const field of ['name', 'peerURL', 'clientURL'] as const) {
    for (const [n] of duplicates(members, (m) => m.etcd?.[field] ?? '')) {
      problems.push({
        code: field === 'name' ? 'INVENTORY_DUPLICATE_ETCD_NAME' : 'INVENTORY_DUPLICATE_ETCD_URL',
        message: `etcd ${field} "${n.etcd?.[field] ?? ''}" of node "${n.name}" is also used by another member`,
        hint: `give every etcd member its own ${field} (set nodes[].etcd.${field}, or let it be derived from a unique address)`,
        pos: locate(['nodes', inv.nodes.indexOf(n), 'etcd', field]),
        severity: 'error',
      });
    }
  }
  return problems;
};

/** An even member count tolerates no more failures than one member less. */
export const oddEtcdMembers: Rule = (inv, locate) => {
  const count = inv.nodes.filter((n) => n.etcd).length;
  if (count === 0 || count % 2 === 1) return [];
  return [
    {
      code: 'INVENTORY_EVEN_ETCD_MEMBERS',
      message: `${count} etcd members tolerate no more failures than ${count - 1} would, and need more votes for quorum`,
      hint: 'use an odd number of etcd members (3 or 5)',
      pos: locate(['nodes']),
      severity: 'warning',
    },
  ];
};

export const inventoryRules: Rule[] = [uniqueNodeNames, uniqueAddresses, uniqueEtcdMembers, oddEtcdMembers];

/** Later occurrences of a key already seen, with their index. */
function duplicates(nodes: InventoryNode[], key: (n: InventoryNode) => string): [InventoryNode, number][] {
  const seen = new Set<string>();
  const out: [InventoryNode, number][] = [];
  nodes.forEach((n, i) => {
    const k = key(n);
    if (seen.has(k)) out.push([n, i]);
    seen.add(k);
  });
  return out;
}
