// Rebuilds one member's static-pod manifest (etcd.yaml, kube-apiserver.yaml) from a surviving
// member's, with the target's identity substituted: what an operator does by hand when a disk
// loss took the manifest with the data. YAML-aware through the Document API (comments, order
// and quoting of untouched lines survive); `--initial-cluster` is left for the restore to set.
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLSeq } from 'yaml';
import { KubedrError } from '../errors/index.js';
import { flagName } from './manifest.js';

/** Who a node is in the manifests: its address and, on etcd members, its member identity. */
export interface MemberIdentity {
  node: string;
  address: string;
  etcdName?: string;
  peerURL?: string;
  clientURL?: string;
}

export interface IdentityChange {
  /** `--name`, `livenessProbe.httpGet.host`, `annotation kubeadm.kubernetes.io/…`. */
  where: string;
  from: string;
  to: string;
}

export interface RebuiltManifest {
  text: string;
  changes: IdentityChange[];
  /** Flags left as they were that still name the source's address (the operator should look). */
  untouched: string[];
}

/** Flags whose value is one or more URLs or an address of this member. */
const ADDRESS_FLAGS = new Set(['--listen-client-urls', '--listen-peer-urls', '--listen-metrics-urls', '--etcd-servers', '--bind-address']);
/** Cluster-wide flags: never this member's identity (the restore sets --initial-cluster). */
const CLUSTER_FLAGS = new Set(['--initial-cluster', '--initial-cluster-state', '--initial-cluster-token']);
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const ETCD_CLIENT_ANNOTATION = 'kubeadm.kubernetes.io/etcd.advertise-client-urls';
const APISERVER_ANNOTATION = 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint';

export function rebuildManifest(text: string, from: MemberIdentity, to: MemberIdentity, source: string): RebuiltManifest {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new KubedrError('MANIFEST_INVALID_YAML', `${source}: ${doc.errors[0]?.message ?? 'invalid YAML'}`, { cause: doc.errors[0] });
  }
  const hosts = hostMap(from, to);
  const changes: IdentityChange[] = [];
  const untouched: string[] = [];
  const swap = (value: string): string => substituteHosts(value, hosts);
  const record = (where: string, before: string, after: string) => {
    if (before !== after) changes.push({ where, from: before, to: after });
  };

  const cmd = doc.getIn(['spec', 'containers', 0, 'command']);
  if (!isSeq(cmd)) {
    throw new KubedrError('MANIFEST_NO_COMMAND', `${source}: spec.containers[0].command is not a list`, {
      hint: 'a manifest can be rebuilt only from a kubeadm-shaped static pod, whose command lists one flag per item',
    });
  }
  const isEtcd = commandName(cmd) === 'etcd';
  if (isEtcd && (to.etcdName === undefined || to.peerURL === undefined || to.clientURL === undefined)) {
    throw new KubedrError('MANIFEST_TARGET_NOT_MEMBER', `${source}: cannot rebuild etcd.yaml for ${to.node}: the inventory gives it no etcd member (name, peerURL, clientURL)`, {
      hint: `give node "${to.node}" the etcd role and its etcd: { name, peerURL, clientURL } in the inventory`,
    });
  }
  for (const item of cmd.items) {
    if (!isScalar(item) || typeof item.value !== 'string') continue;
    const m = /^(--?[A-Za-z0-9-]+)=(.*)$/s.exec(item.value);
    if (!m?.[1] || m[2] === undefined) continue;
    const flag = flagName(m[1]);
    const before = m[2];
    let after = before;
    if (CLUSTER_FLAGS.has(flag)) continue;
    if (isEtcd && flag === '--name') after = to.etcdName ?? before;
    else if (isEtcd && flag === '--advertise-client-urls') after = to.clientURL ?? swap(before);
    else if (isEtcd && flag === '--initial-advertise-peer-urls') after = to.peerURL ?? swap(before);
    else if (flag === '--advertise-address') after = to.address;
    else if (flag === '--etcd-servers') after = swapMemberList(before, hosts);
    else if (ADDRESS_FLAGS.has(flag) || flag.startsWith('--listen-') || flag.startsWith('--advertise-')) after = swap(before);
    else if (mentionsHost(before, hosts)) untouched.push(flag);
    if (after !== before) {
      item.value = `${flag}=${after}`;
      record(flag, before, after);
    }
  }
  rebuildProbes(doc, swap, record);
  rebuildAnnotations(doc, isEtcd ? to : undefined, swap, record);

  const compactSeq = /^( *)[^\s#-][^\n]*:\n\1- /m.test(text);
  return { text: doc.toString({ indentSeq: !compactSeq, lineWidth: 0 }), changes, untouched };
}

function commandName(cmd: YAMLSeq): string {
  const first = cmd.items[0];
  const v = isScalar(first) ? String(first.value) : '';
  return v.split('/').pop() ?? v;
}

function rebuildProbes(doc: Document, swap: (v: string) => string, record: (w: string, a: string, b: string) => void): void {
  const containers = doc.getIn(['spec', 'containers']);
  if (!isSeq(containers)) return;
  containers.items.forEach((c, i) => {
    if (!isMap(c)) return;
    for (const probe of PROBES) {
      const host = doc.getIn(['spec', 'containers', i, probe, 'httpGet', 'host']);
      if (typeof host !== 'string') continue;
      const after = swap(host);
      if (after === host) continue;
      doc.setIn(['spec', 'containers', i, probe, 'httpGet', 'host'], after);
      record(`${probe}.httpGet.host`, host, after);
    }
  });
}

function rebuildAnnotations(doc: Document, member: MemberIdentity | undefined, swap: (v: string) => string, record: (w: string, a: string, b: string) => void): void {
  for (const key of [ETCD_CLIENT_ANNOTATION, APISERVER_ANNOTATION]) {
    const path = ['metadata', 'annotations', key];
    const before = doc.getIn(path);
    if (typeof before !== 'string') continue;
    const after = key === ETCD_CLIENT_ANNOTATION && member?.clientURL !== undefined ? member.clientURL : swap(before);
    if (after === before) continue;
    doc.setIn(path, after);
    record(`annotation ${key}`, before, after);
  }
}

/** Source host → target host, from the address and the hosts of the member URLs. */
export function hostMap(from: MemberIdentity, to: MemberIdentity): Map<string, string> {
  const map = new Map<string, string>();
  const add = (a: string | undefined, b: string | undefined) => {
    if (a === undefined || b === undefined || a === '' || b === '' || map.has(a)) return;
    map.set(a, b);
  };
  add(hostOf(from.peerURL), hostOf(to.peerURL));
  add(hostOf(from.clientURL), hostOf(to.clientURL));
  add(from.address, to.address);
  // The loopback name every node has is never "substituted" (a lab's 127.X.0.N node addresses are).
  for (const k of [...map.keys()]) if (k === map.get(k) || isLoopback(k)) map.delete(k);
  return map;
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]+\]|[^:/?#]+)/i.exec(url)?.[1];
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '127.0.0.1';
}

/** Replaces hosts in a comma-separated list of URLs, `host:port` or bare addresses. */
export function substituteHosts(value: string, hosts: ReadonlyMap<string, string>): string {
  return value
    .split(',')
    .map((part) => {
      const url = /^([a-z][a-z0-9+.-]*:\/\/)(\[[^\]]+\]|[^:/?#]+)(.*)$/is.exec(part);
      if (url) return `${url[1] ?? ''}${hosts.get(url[2] ?? '') ?? url[2] ?? ''}${url[3] ?? ''}`;
      const hostPort = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(part);
      if (hostPort) return `${hosts.get(hostPort[1] ?? '') ?? hostPort[1] ?? ''}${hostPort[2] ?? ''}`;
      return part;
    })
    .join(',');
}

/**
 * `--etcd-servers` may list every member (external or non-local etcd): then the source's
 * entry belongs to the source member, not to this node, and stays. Only a list naming this
 * node's own endpoint through the source's address is rewritten.
 */
function swapMemberList(value: string, hosts: ReadonlyMap<string, string>): string {
  const after = substituteHosts(value, hosts);
  const parts = after.split(',');
  return new Set(parts).size === parts.length ? after : value;
}

function mentionsHost(value: string, hosts: ReadonlyMap<string, string>): boolean {
  return [...hosts.keys()].some((h) => new RegExp(`(^|[^A-Za-z0-9.-])${h.replace(/[.[\]]/g, '\\$&')}($|[^A-Za-z0-9.-])`).test(value));
}
