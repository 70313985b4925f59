// Translates an Ansible / Kubespray YAML inventory (all.hosts + children kube_control_plane,
// etcd, kube_node) into the native document, so both formats share one resolver and one plan.
// Connection vars (ansible_*, etcd_member_name…) inherit like in Ansible: all.vars < group vars
// < host vars, and group_vars/ and host_vars/ files override what the inventory file writes.
// A Kubespray inventory (k8s_cluster / kube_control_plane groups) also gets Kubespray's etcd
// defaults when it says etcd runs on the hosts (etcd_deployment_type: host): member names
// etcd1…etcdN in etcd-group order and client certs in /etc/ssl/etcd/ssl.
import type { Problem } from '../errors/index.js';
import type { Role, SourcePos } from '../model/index.js';
import type { LocateOptions, Locator, PathSeg } from '../schema/index.js';
import { parseSshArgs } from './ansible-ssh-args.js';
import type { RawGroup, RawInventory, RawNode } from './raw.js';

type Vars = Record<string, unknown>;
interface AnsibleGroup { hosts?: Record<string, Vars | null> | null; children?: Record<string, AnsibleGroup | null> | null; vars?: Vars | null }
interface GroupInfo { hosts: string[]; children: string[]; vars: Vars }

/** Ansible groups that carry a kubedr role (current and legacy Kubespray names). */
const ROLE_OF_GROUP: Record<string, Role> = { kube_control_plane: 'control-plane', 'kube-master': 'control-plane', etcd: 'etcd', kube_node: 'worker', 'kube-node': 'worker' };
/** Vars consumed by the translation; they inherit from groups. The rest become node vars. */
const CONSUMED = new Set(['ansible_host', 'ansible_user', 'ansible_port', 'ansible_ssh_private_key_file', 'ansible_become', 'ansible_become_method', 'ansible_ssh_common_args', 'ansible_ssh_extra_args', 'etcd_member_name', 'etcd_address', 'ip', 'access_ip']);
const KUBESPRAY_GROUPS = ['k8s_cluster', 'k8s-cluster', 'kube_control_plane', 'kube-master'];
/** Kubespray's etcd_cert_dir default. */
export const KUBESPRAY_ETCD_CERT_DIR = '/etc/ssl/etcd/ssl';

/** group_vars/ and host_vars/ read beside the inventory (see ansible-vars.ts). */
export interface AnsibleVarOverlays {
  groupVars?: Record<string, Vars>;
  hostVars?: Record<string, Vars>;
}

export function isAnsibleInventory(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'all' in value && !('apiVersion' in value);
}

export function translateAnsible(value: unknown, locate: Locator, overlays: AnsibleVarOverlays = {}): { raw?: RawInventory; locate: Locator; problems: Problem[] } {
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
  for (const [g, vars] of Object.entries(overlays.groupVars ?? {})) {
    const info = groups.get(g);
    if (info) Object.assign(info.vars, vars);
  }
  for (const [h, vars] of Object.entries(overlays.hostVars ?? {})) if (hostVars.has(h)) hostVars.set(h, { ...hostVars.get(h), ...vars });
  if (hostVars.size === 0) return fail('ANSIBLE_NO_HOSTS', 'the Ansible inventory defines no hosts', "list hosts under all.hosts or under a group's hosts");

  const hosts = [...hostVars.keys()];
  const names = [...groups.keys()].filter((g) => g !== 'all');
  const allVars = groups.get('all')?.vars ?? {};
  const kubespray = names.some((g) => KUBESPRAY_GROUPS.includes(g));
  // Kubespray reads it from any group. An inventory that is recognisably Kubespray's and does
  // not say gets Kubespray's own default, `host` (roles/kubespray-defaults), with a warning: a
  // cluster whose etcd runs as kubeadm static pods must say `etcd_deployment_type: kubeadm`.
  const given = [allVars, ...names.map((g) => groups.get(g)?.vars ?? {})].map((v) => v.etcd_deployment_type).find((v) => typeof v === 'string');
  const deployment = given ?? (kubespray ? 'host' : undefined);
  const etcdHosts = hosts.filter((h) => contains(groups, 'etcd', h, new Set()));
  const problems: Problem[] = [];
  if (kubespray && given === undefined) {
    problems.push({
      code: 'ANSIBLE_ETCD_DEPLOYMENT_DEFAULT',
      severity: 'warning',
      message: "a Kubespray inventory without etcd_deployment_type: taken as Kubespray's default, host (etcd as a systemd service, members etcd1…etcdN, certificates in /etc/ssl/etcd/ssl)",
      hint: 'say it in the inventory or group_vars/all/etcd.yml: etcd_deployment_type: host, or kubeadm when etcd runs as static pods',
      pos: locate(['all']),
    });
  }
  const nodes = hosts.map((host, i) => {
    const member = names.filter((g) => contains(groups, g, host, new Set()));
    const inherited = [allVars, ...member.map((g) => groups.get(g)?.vars ?? {})].map(consumedOnly);
    const vars = Object.assign({}, ...inherited, hostVars.get(host)) as Vars;
    if (kubespray && deployment === 'host' && vars.etcd_member_name === undefined && etcdHosts.includes(host)) vars.etcd_member_name = `etcd${etcdHosts.indexOf(host) + 1}`;
    return toNode(host, vars, hostVars.get(host) ?? {}, member, (p) => problems.push({ ...p, pos: mapped(['nodes', i]) }));
  });
  const rawGroups: Record<string, RawGroup> = {};
  for (const g of names) {
    const role = Object.hasOwn(ROLE_OF_GROUP, g) ? ROLE_OF_GROUP[g] : undefined;
    const own = Object.fromEntries(Object.entries(groups.get(g)?.vars ?? {}).filter(([k]) => !CONSUMED.has(k)));
    rawGroups[g] = { ...(role ? { roles: [role] } : {}), ...(Object.keys(own).length > 0 ? { vars: own } : {}) };
  }
  const { cluster_name: clusterName, ...vars } = Object.fromEntries(Object.entries(allVars).filter(([k]) => !CONSUMED.has(k)));
  if (deployment !== undefined) vars.etcd_deployment_type = deployment;
  const raw: RawInventory = { apiVersion: 'kubedr.io/v1alpha1', kind: 'Inventory', cluster: { name: typeof clusterName === 'string' ? clusterName : 'cluster.local' }, groups: rawGroups, nodes, vars };
  const first = etcdHosts[0];
  if (kubespray && deployment === 'host' && first !== undefined) {
    const dir = typeof allVars.etcd_cert_dir === 'string' ? allVars.etcd_cert_dir : KUBESPRAY_ETCD_CERT_DIR;
    // Kubespray copies every etcd node's admin cert to all etcd nodes: the first one's is on each.
    raw.etcd = { tls: { cacert: `${dir}/ca.pem`, cert: `${dir}/admin-${first}.pem`, key: `${dir}/admin-${first}-key.pem` } };
  }
  function mapped(path: readonly PathSeg[], opts?: LocateOptions): SourcePos {
    if (path[0] === 'nodes' && typeof path[1] === 'number') return locate(hostPath.get(hosts[path[1]] ?? '') ?? ['all'], opts);
    return locate(['all'], opts);
  }
  return { raw, locate: mapped, problems };
}

/** Whether `host` is in group `name` directly or through its children. */
function contains(groups: Map<string, GroupInfo>, name: string, host: string, seen: Set<string>): boolean {
  const g = groups.get(name);
  if (!g || seen.has(name)) return false;
  seen.add(name);
  return g.hosts.includes(host) || g.children.some((c) => contains(groups, c, host, seen));
}

const consumedOnly = (vars: Vars): Vars => Object.fromEntries(Object.entries(vars).filter(([k]) => CONSUMED.has(k)));

type Report = (p: Omit<Problem, 'pos'>) => void;

function toNode(name: string, vars: Vars, own: Vars, groups: string[], report: Report): RawNode {
  const str = (k: string) => (vars[k] === undefined || vars[k] === null ? undefined : String(vars[k]));
  const address = str('ansible_host') ?? str('ip') ?? name;
  const node: RawNode = { name, address, groups };
  const ssh: NonNullable<RawNode['ssh']> = {};
  if (str('ansible_user') !== undefined) ssh.user = str('ansible_user') ?? '';
  if (vars.ansible_port !== undefined) ssh.port = Number(vars.ansible_port);
  if (str('ansible_ssh_private_key_file') !== undefined) ssh.identityFile = str('ansible_ssh_private_key_file') ?? '';
  const args = parseSshArgs([str('ansible_ssh_common_args'), str('ansible_ssh_extra_args')].filter((a) => a !== undefined).join(' '));
  if (args.proxyJump !== undefined) ssh.proxyJump = args.proxyJump;
  if (args.knownHostsFile !== undefined) ssh.knownHostsFile = args.knownHostsFile;
  if (args.ignored.length > 0) {
    report({ code: 'ANSIBLE_SSH_ARGS_IGNORED', severity: 'warning', message: `host "${name}": ssh arguments kubedr does not apply: ${args.ignored.join(' ')}`, hint: 'kubedr understands ProxyJump (-J), a bastion ProxyCommand (ssh -W %h:%p host) and UserKnownHostsFile; put other options in ~/.ssh/config (host keys are always checked)' });
  }
  if (Object.keys(ssh).length > 0) node.ssh = ssh;
  const method = str('ansible_become_method');
  if (method !== undefined && method !== 'sudo') {
    report({ code: 'ANSIBLE_BECOME_METHOD_UNSUPPORTED', severity: 'error', message: `host "${name}": ansible_become_method ${method} is not supported`, hint: 'kubedr becomes root with sudo only: set ansible_become_method: sudo (or log in as root)' });
  }
  if (vars.ansible_become === true || vars.ansible_become === 'true') node.become = { enabled: true };
  // Kubespray: peers and clients reach etcd at etcd_access_address = access_ip | etcd_address | ip.
  const etcdHost = str('access_ip') ?? str('etcd_address') ?? str('ip');
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
