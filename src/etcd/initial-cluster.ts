// etcd cluster-membership strings derived from the inventory. Every member must be restored
// with the very same --initial-cluster, so it is computed once here, in inventory order.
import type { EtcdMember, EtcdTls, Inventory } from '../model/index.js';

/** The etcd members of an inventory, in inventory order. */
export function etcdMembers(inv: Inventory): EtcdMember[] {
  return inv.nodes.flatMap((n) => (n.etcd ? [n.etcd] : []));
}

/** `--initial-cluster` value: `m1=https://ip1:2380,m2=https://ip2:2380,…`. */
export function renderInitialCluster(members: readonly EtcdMember[]): string {
  return members.map((m) => `${m.name}=${m.peerURL}`).join(',');
}

/** `--endpoints` value: every member's client URL, comma-separated. */
export function renderEndpoints(members: readonly EtcdMember[]): string {
  return members.map((m) => m.clientURL).join(',');
}

/** etcdctl TLS flags as separate words (each one is quoted by the caller). */
export function tlsFlagWords(tls: EtcdTls): string[] {
  return [`--cacert=${tls.cacert}`, `--cert=${tls.cert}`, `--key=${tls.key}`];
}
