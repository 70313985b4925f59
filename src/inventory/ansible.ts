// Translates an Ansible / Kubespray YAML inventory (all.hosts + children kube_control_plane,
// etcd, kube_node) into the native document, so both formats share one resolver and one plan.
import type { Problem } from '../errors/index.js';
import type { Role } from '../model/index.js';
import type { Locator, PathSeg } from '../schema/index.js';
import type { RawGroup, RawInventory, RawNode } from './raw.js';

type Vars = Record<string, unknown>;
interface AnsibleGroup { hosts?: Record<string, Vars | null>; children?: Record<string, AnsibleGroup | null>; vars?: Vars }

/** Ansible groups that carry a kubedr role (current and legacy Kubespray names). */
const ROLE_OF_GROUP: Record<string, Role> = { kube_control_plane: 'control-plane', 'kube-master': 'control-plane', etcd: 'etcd', kube_node: 'worker', 'kube-node': 'worker' };
/** Host vars consumed by the translation; the rest become node vars. */
const CONSUMED = new Set(['ansible_host', 'ansible_user', 'ansible_port', 'ansible_ssh_private_key_file', 'ansible_become', 'etcd_member_name', 'etcd_address', 'ip', 'access_ip']);

export function isAnsibleInventory(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'all' in value && !('apiVersion' in value);
}

export function translateAnsible(value: unknown, locate: Locator): { raw?: RawInventory; locate: Locator; problems: Problem[] } {
  const all = (value as { all?: unknown }).all;
  if (typeof all !== 'object' || all === null || Array.isArray(all)) {
    return { locate, problems: [{ code: 'ANSIBLE_BAD_INVENTORY', message: '"all" must be a mapping with hosts and children', hint: 'write all: { hosts: {...}, children: {...} }', pos: locate(['all']), severity: 'error' }] };
  }
  const hostVars = new Map<string, Vars>();
  const hostPath = new Map<string, PathSeg[]>();
  const membership = new Map<string, string[]>();
  const groupVars: Record<string, Vars> = {};
  const visit = (name: string, group: AnsibleGroup, path: PathSeg[], inherited: string[]) => {
    const chain = name === 'all' ? inherited : [...inherited, name];
    if (name !== 'all') groupVars[name] = { ...groupVars[name], ...group.vars };
    for (const [host, vars] of Object.entries(group.hosts ?? {})) {
      hostVars.set(host, { ...hostVars.get(host), ...vars });
      if (!hostPath.has(host)) hostPath.set(host, [...path, 'hosts', host]);
      const member = membership.get(host) ?? [];
      membership.set(host, [...member, ...chain.filter((g) => !member.includes(g))]);
    }
    for (const [child, def] of Object.entries(group.children ?? {})) visit(child, def ?? {}, [...path, 'children', child], chain);
  };
  visit('all', all as AnsibleGroup, ['all'], []);
  // membership through nested children (k8s_cluster: { children: { kube_node } }) is resolved by visit order
  if (hostVars.size === 0) {
    return { locate, problems: [{ code: 'ANSIBLE_NO_HOSTS', message: 'the Ansible inventory defines no hosts', hint: 'list hosts under all.hosts or under a group\'s hosts', pos: locate(['all']), severity: 'error' }] };
  }
  const allVars = (all as AnsibleGroup).vars ?? {};
  const hosts = [...hostVars.keys()];
  const nodes = hosts.map((host) => toNode(host, hostVars.get(host) ?? {}, membership.get(host) ?? []));
  const groups: Record<string, RawGroup> = {};
  for (const g of Object.keys(groupVars)) {
    const role = ROLE_OF_GROUP[g];
    groups[g] = role ? { roles: [role] } : {};
  }
  const { cluster_name: clusterName, ...vars } = allVars;
  const raw: RawInventory = { apiVersion: 'kubedr.io/v1alpha1', kind: 'Inventory', cluster: { name: typeof clusterName === 'string' ? clusterName : 'cluster.local' }, groups, nodes, vars };
  const mapped: Locator = (path, opts) => {
    if (path[0] === 'nodes' && typeof path[1] === 'number') return locate(hostPath.get(hosts[path[1]] ?? '') ?? ['all'], opts);
    return locate(['all'], opts);
  };
  return { raw, locate: mapped, problems: [] };
}

function toNode(name: string, vars: Vars, groups: string[]): RawNode {
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
  if (Object.keys(etcd).length > 0 && groups.includes('etcd')) node.etcd = etcd;
  const rest = Object.fromEntries(Object.entries(vars).filter(([k]) => !CONSUMED.has(k)));
  if (Object.keys(rest).length > 0) node.vars = rest;
  return node;
}
