// Translates an Ansible / Kubespray YAML inventory (all.hosts + children kube_control_plane,
// etcd, kube_node) into the native document, so both formats share one resolver and one plan.
// Connection vars (ansible_*, etcd_member_name…) inherit like in Ansible: all.vars < group vars
// < host vars; other vars stay where they are written.
import type { Problem } from '../errors/index.js';
import type { Role } from '../model/index.js';
import type { Locator, PathSeg } from '../schema/index.js';
import type { RawGroup, RawInventory, RawNode } from './raw.js';

type Vars = Record<string, unknown>;
interface AnsibleGroup { hosts?: Record<string, Vars | null> | null; children?: Record<string, AnsibleGroup | null> | null; vars?: Vars | null }
interface GroupInfo { hosts: string[]; children: string[]; vars: Vars }

/** Ansible groups that carry a kubedr role (current and legacy Kubespray names). */
const ROLE_OF_GROUP: Record<string, Role> = { kube_control_plane: 'control-plane', 'kube-master': 'control-plane', etcd: 'etcd', kube_node: 'worker', 'kube-node': 'worker' };
/** Vars consumed by the translation; they inherit from groups. The rest become node vars. */
const CONSUMED = new Set(['ansible_host', 'ansible_user', 'ansible_port', 'ansible_ssh_private_key_file', 'ansible_become', 'etcd_member_name', 'etcd_address', 'ip', 'access_ip']);

export function isAnsibleInventory(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'all' in value && !('apiVersion' in value);
}

export function translateAnsible(value: unknown, locate: Locator): { raw?: RawInventory; locate: Locator; problems: Problem[] } {
  const all = (value as { all?: unknown }).all;
  const fail = (code: string, message: string, hint: string) => ({ locate, problems: [{ code, message, hint, pos: locate(['all']), severity: 'error' as const }] });
  if (typeof all !== 'object' || all === null || Array.isArray(all)) return fail('ANSIBLE_BAD_INVENTORY', '"all" must be a mapping with hosts and children', 'write all: { hosts: {...}, children: {...} }');
  const groups = new Map<string, GroupInfo>();
  const hostVars = new Map<string, Vars>();
  const hostPath = new Map<string, PathSeg[]>();
  const visit = (name: string, group: AnsibleGroup, path: PathSeg[]) => {
    const info = groups.get(name) ?? { hosts: [], children: [], vars: {} };
    groups.set(name, info);
    Object.assign(info.vars, group.vars ?? {});
    for (const [host, vars] of Object.entries(group.hosts ?? {})) {
      hostVars.set(host, { ...hostVars.get(host), ...vars });
      if (!hostPath.has(host)) hostPath.set(host, [...path, 'hosts', host]);
      if (!info.hosts.includes(host)) info.hosts.push(host);
    }
    for (const [child, def] of Object.entries(group.children ?? {})) {
      if (!info.children.includes(child)) info.children.push(child);
      visit(child, def ?? {}, [...path, 'children', child]);
    }
  };
  visit('all', all as AnsibleGroup, ['all']);
  if (hostVars.size === 0) return fail('ANSIBLE_NO_HOSTS', 'the Ansible inventory defines no hosts', "list hosts under all.hosts or under a group's hosts");

  const hosts = [...hostVars.keys()];
  const names = [...groups.keys()].filter((g) => g !== 'all');
  const nodes = hosts.map((host) => {
    const member = names.filter((g) => contains(groups, g, host, new Set()));
    const inherited = [groups.get('all')?.vars ?? {}, ...member.map((g) => groups.get(g)?.vars ?? {})].map(consumedOnly);
    return toNode(host, Object.assign({}, ...inherited, hostVars.get(host)) as Vars, hostVars.get(host) ?? {}, member);
  });
  const rawGroups: Record<string, RawGroup> = {};
  for (const g of names) {
    const role = Object.hasOwn(ROLE_OF_GROUP, g) ? ROLE_OF_GROUP[g] : undefined;
    rawGroups[g] = role ? { roles: [role] } : {};
  }
  const { cluster_name: clusterName, ...vars } = Object.fromEntries(Object.entries(groups.get('all')?.vars ?? {}).filter(([k]) => !CONSUMED.has(k)));
  const raw: RawInventory = { apiVersion: 'kubedr.io/v1alpha1', kind: 'Inventory', cluster: { name: typeof clusterName === 'string' ? clusterName : 'cluster.local' }, groups: rawGroups, nodes, vars };
  const mapped: Locator = (path, opts) => {
    if (path[0] === 'nodes' && typeof path[1] === 'number') return locate(hostPath.get(hosts[path[1]] ?? '') ?? ['all'], opts);
    return locate(['all'], opts);
  };
  return { raw, locate: mapped, problems: [] };
}

/** Whether `host` is in group `name` directly or through its children. */
function contains(groups: Map<string, GroupInfo>, name: string, host: string, seen: Set<string>): boolean {
  const g = groups.get(name);
  if (!g || seen.has(name)) return false;
  seen.add(name);
  return g.hosts.includes(host) || g.children.some((c) => contains(groups, c, host, seen));
}

const consumedOnly = (vars: Vars): Vars => Object.fromEntries(Object.entries(vars).filter(([k]) => CONSUMED.has(k)));

function toNode(name: string, vars: Vars, own: Vars, groups: string[]): RawNode {
  const str = (k: string) => (vars[k] === undefined || vars[k] === null ? undefined : String(vars[k]));
  const address = str('ansible_host') ?? str('ip') ?? name;
  const node: RawNode = { name, address, groups };
  const ssh: NonNullable<RawNode['ssh']> = {};
  if (str('ansible_user') !== undefined) ssh.user = str('ansible_user') ?? '';
  if (vars.ansible_port !== undefined) ssh.port = Number(vars.ansible_port);
  if (str('ansible_ssh_private_key_file') !== undefined) ssh.identityFile = str('ansible_ssh_private_key_file') ?? '';
  if (Object.keys(ssh).length > 0) node.ssh = ssh;
  if (vars.ansible_become === true || vars.ansible_become === 'true') node.become = { enabled: true };
  const etcdHost = str('etcd_address') ?? str('ip');
  const etcd: NonNullable<RawNode['etcd']> = {};
  if (str('etcd_member_name') !== undefined) etcd.name = str('etcd_member_name') ?? '';
  if (etcdHost !== undefined && etcdHost !== address) {
    etcd.peerURL = `https://${etcdHost}:2380`;
    etcd.clientURL = `https://${etcdHost}:2379`;
  }
  if (Object.keys(etcd).length > 0 && groups.some((g) => Object.hasOwn(ROLE_OF_GROUP, g) && ROLE_OF_GROUP[g] === 'etcd')) node.etcd = etcd;
  const rest = Object.fromEntries(Object.entries(own).filter(([k]) => !CONSUMED.has(k)));
  if (Object.keys(rest).length > 0) node.vars = rest;
  return node;
}
