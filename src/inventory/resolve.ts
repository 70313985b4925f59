// Resolves inheritance (defaults < groups in listed order < node) into the model Inventory.
// Etcd member identities are derived from the address unless the node gives them.
import type { Problem } from '../errors/index.js';
import { ROLES, type BecomeSettings, type Inventory, type InventoryNode, type Role, type SshSettings } from '../model/index.js';
import { canonicalHash, didYouMean, parseDuration, type Locator } from '../schema/index.js';
import { DEFAULT_PATHS, DEFAULT_TLS, type RawGroup, type RawInventory, type RawNode, type RawSettings } from './raw.js';

export function resolveInventory(raw: RawInventory, source: string, format: Inventory['format'], locate: Locator): { inventory: Inventory; problems: Problem[] } {
  const problems: Problem[] = [];
  const groupDefs = raw.groups ?? {};
  const nodes = raw.nodes.map((node, i) => {
    const groups: RawGroup[] = [];
    (node.groups ?? []).forEach((g, j) => {
      const def = Object.hasOwn(groupDefs, g) ? groupDefs[g] : undefined;
      if (def) groups.push(def);
      else
        problems.push({
          code: 'INVENTORY_UNKNOWN_GROUP',
          message: `node "${node.name}" lists group "${g}", which is not defined`,
          hint: `define it under "groups:" or remove it from the node${didYouMean(g, Object.keys(groupDefs))}`,
          pos: locate(['nodes', i, 'groups', j]),
          severity: 'error',
        });
    });
    if (node.etcd && !rolesOf(node, groups).includes('etcd')) {
      problems.push({
        code: 'INVENTORY_ETCD_WITHOUT_ROLE',
        message: `node "${node.name}" has etcd settings but not the etcd role; they are ignored`,
        hint: 'add "etcd" to the roles of the node (or of one of its groups), or remove its "etcd:" block',
        pos: locate(['nodes', i, 'etcd'], { key: true }),
        severity: 'warning',
      });
    }
    return resolveNode(node, [raw.defaults ?? {}, ...groups], locate(['nodes', i]));
  });
  const groupMembers: Record<string, string[]> = {};
  for (const g of Object.keys(groupDefs)) groupMembers[g] = nodes.filter((n) => n.groups.includes(g)).map((n) => n.name);
  const inventory: Inventory = {
    source,
    format,
    cluster: { name: raw.cluster.name },
    etcd: { tool: raw.etcd?.tool ?? 'auto', tls: { ...DEFAULT_TLS, ...raw.etcd?.tls } },
    nodes,
    groups: groupMembers,
    vars: raw.vars ?? {},
    hash: '',
  };
  inventory.hash = hashInventory(inventory);
  return { inventory, problems };
}

/** sha256 of what the inventory means, not how it was written or where it came from. */
export function hashInventory(inv: Inventory): string {
  const { source: _s, format: _f, hash: _h, ...rest } = inv;
  return canonicalHash({ ...rest, nodes: inv.nodes.map(({ pos: _p, ...n }) => n) });
}

function rolesOf(node: RawNode, groups: RawGroup[]): Role[] {
  const set = new Set<Role>([...groups.flatMap((g) => g.roles ?? []), ...(node.roles ?? [])]);
  return ROLES.filter((r) => set.has(r));
}

function resolveNode(node: RawNode, layers: RawSettings[], pos: InventoryNode['pos']): InventoryNode {
  const groups = layers.slice(1) as RawGroup[];
  const all = [...layers, node];
  const ssh = Object.assign({}, ...all.map((l) => l.ssh ?? {})) as NonNullable<RawSettings['ssh']>;
  const become = Object.assign({}, ...all.map((l) => l.become ?? {})) as NonNullable<RawSettings['become']>;
  const roles = rolesOf(node, groups);
  const resolved: InventoryNode = {
    name: node.name,
    address: node.address,
    roles,
    groups: node.groups ?? [],
    labels: Object.assign({}, ...groups.map((g) => g.labels ?? {}), node.labels ?? {}) as Record<string, string>,
    ssh: sshSettings(ssh),
    become: becomeSettings(become),
    paths: Object.assign({ ...DEFAULT_PATHS }, ...all.map((l) => l.paths ?? {})) as InventoryNode['paths'],
    vars: Object.assign({}, ...groups.map((g) => g.vars ?? {}), node.vars ?? {}) as Record<string, unknown>,
  };
  if (roles.includes('etcd')) {
    const host = node.address.includes(':') ? `[${node.address}]` : node.address;
    resolved.etcd = {
      name: node.etcd?.name ?? node.name,
      peerURL: node.etcd?.peerURL ?? `https://${host}:2380`,
      clientURL: node.etcd?.clientURL ?? `https://${host}:2379`,
    };
  }
  if (pos) resolved.pos = pos;
  return resolved;
}

function sshSettings(s: NonNullable<RawSettings['ssh']>): SshSettings {
  const out: SshSettings = { user: s.user ?? 'root', port: s.port ?? 22, connectTimeoutMs: parseDuration(s.connectTimeout, 10_000) };
  if (s.identityFile !== undefined) out.identityFile = s.identityFile;
  if (s.knownHostsFile !== undefined) out.knownHostsFile = s.knownHostsFile;
  if (s.proxyJump !== undefined) out.proxyJump = s.proxyJump;
  const defaulted = (['user', 'port', 'connectTimeout'] as const).filter((k) => s[k] === undefined);
  if (defaulted.length > 0) out.defaulted = [...defaulted];
  return out;
}

function becomeSettings(b: NonNullable<RawSettings['become']>): BecomeSettings {
  const out: BecomeSettings = { enabled: b.enabled ?? false, method: 'sudo' };
  if (b.passwordFrom !== undefined) out.passwordFrom = b.passwordFrom;
  return out;
}
