// verifyCluster: the checks an operator makes after a restore, returned as a list of failures
// (empty = healthy) so a test can show every problem at once.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiserverReady, type Lab } from './handle.js';
import type { LabNode } from './node-start.js';
import { seedValue, type SeedSet } from './scenarios.js';

/** An etcd member as the member list must show it. */
export interface ExpectedMember {
  /** The node that runs it (its client URL is asked). */
  node: string;
  /** etcd --name (etcd-<node> on the lab, never the node name). */
  name: string;
  peerURL: string;
}

export interface ClusterExpectations {
  /** Exactly these etcd members, by name and peer URL. @default every etcd node of the lab */
  members?: ExpectedMember[];
  /** Seeded key sets that must be present with their values. */
  seeded?: SeedSet[];
  /** Key sets that must be absent (written after the snapshot). */
  junk?: SeedSet[];
  /** Every control-plane apiserver answers /readyz 200. @default true */
  apiservers?: boolean;
  /** Every worker has kubelet.conf and joined at or after this time. */
  workersJoinedAfter?: Date;
}

/** The lab's members as they were created: one per etcd node, named etcd-<node> (or ETCD_NAME). */
export function labMembers(lab: Lab): ExpectedMember[] {
  return lab.nodes.filter((n: LabNode) => n.roles.includes('etcd')).map((n) => ({ node: n.name, name: n.etcdName ?? n.name, peerURL: `https://${n.address}:2380` }));
}

async function checkMembers(lab: Lab, expected: ExpectedMember[], failures: string[]): Promise<string | undefined> {
  const clusterIds = new Map<string, string>();
  let healthy: string | undefined;
  const statuses = await Promise.allSettled(expected.map((m) => lab.etcd.status(lab.clientURL(m.node), 2000)));
  for (const [i, { node }] of expected.entries()) {
    try {
      const r = statuses[i];
      if (r?.status !== 'fulfilled') throw r?.reason;
      const s = r.value;
      if (!s.leader || s.leader === '0') failures.push(`etcd ${node}: no leader`);
      else healthy ??= node;
      clusterIds.set(node, s.header.cluster_id ?? '?');
      if (s.errors?.length) failures.push(`etcd ${node}: ${s.errors.join('; ')}`);
    } catch (e) {
      failures.push(`etcd ${node}: not healthy (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (new Set(clusterIds.values()).size > 1) {
    failures.push(`etcd members disagree on the cluster id (split brain): ${[...clusterIds].map(([n, id]) => `${n}=${id}`).join(', ')}`);
  }
  if (!healthy) return undefined;
  const { members } = await lab.etcd.memberList(lab.clientURL(healthy));
  // name=peerURL, as --initial-cluster writes it: a wrong name or a wrong URL both show.
  const got = members.map((m) => `${m.name || '(unstarted)'}=${m.peerURLs.join(',')}`).sort();
  const want = expected.map((m) => `${m.name}=${m.peerURL}`).sort();
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    failures.push(`etcd member list is [${got.join(', ')}], expected exactly [${want.join(', ')}]`);
  }
  for (const m of members) {
    if (!m.name || m.clientURLs.length === 0) failures.push(`etcd member ${m.id} is not started`);
    if (m.isLearner) failures.push(`etcd member ${m.name} is still a learner`);
  }
  return healthy;
}

async function checkKeys(lab: Lab, ep: string, exp: ClusterExpectations, failures: string[]): Promise<void> {
  for (const seed of exp.seeded ?? []) {
    const kvs = await lab.etcd.rangePrefix(ep, seed.prefix);
    if (kvs.length !== seed.count) failures.push(`${seed.prefix}: ${kvs.length} keys, expected ${seed.count}`);
    const wrong = kvs.filter((kv) => kv.value !== seedValue(seed, Number(kv.key.slice(seed.prefix.length))));
    if (wrong.length > 0) failures.push(`${seed.prefix}: ${wrong.length} keys with wrong values (first: ${wrong[0]?.key})`);
  }
  for (const junk of exp.junk ?? []) {
    const n = await lab.etcd.countPrefix(ep, junk.prefix);
    if (n > 0) failures.push(`${junk.prefix}: ${n} keys written after the snapshot are still there`);
  }
}

function checkWorkers(lab: Lab, after: Date, failures: string[]): void {
  for (const w of lab.nodes.filter((n) => n.roles.includes('worker'))) {
    const marker = join(w.dirs.kubelet, 'kubedr-lab-joined.json');
    if (!existsSync(join(w.dirs.etcKubernetes, 'kubelet.conf')) || !existsSync(marker)) {
      failures.push(`worker ${w.name}: not joined (no kubelet.conf)`);
      continue;
    }
    const at = new Date((JSON.parse(readFileSync(marker, 'utf8')) as { joinedAt: string }).joinedAt);
    if (at < after) failures.push(`worker ${w.name}: last joined ${at.toISOString()}, before ${after.toISOString()}`);
  }
}

/** Every failed expectation as a readable line; [] when the cluster is as expected. */
export async function verifyCluster(lab: Lab, exp: ClusterExpectations = {}): Promise<string[]> {
  const failures: string[] = [];
  const cps = lab.nodes.filter((n) => n.roles.includes('control-plane')).map((n) => n.name);
  const healthy = await checkMembers(lab, exp.members ?? labMembers(lab), failures).catch((e: unknown) => {
    failures.push(`etcd member list: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  });
  if (healthy) {
    try {
      await checkKeys(lab, lab.clientURL(healthy), exp, failures);
    } catch (e) {
      failures.push(`reading keys from ${healthy}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (exp.apiservers ?? true) {
    for (const name of cps) if (!(await apiserverReady(lab, name))) failures.push(`kube-apiserver on ${name}: /readyz is not 200`);
  }
  if (exp.workersJoinedAfter) checkWorkers(lab, exp.workersJoinedAfter, failures);
  return failures;
}

/**
 * After a restore from a snapshot taken when `seed` was written and before `junk` was: every
 * member healthy, the exact member list, every seeded key with its value, no junk, every
 * apiserver ready, every worker rejoined since `since`.
 */
export function verifyRestored(lab: Lab, o: { seed: SeedSet; junk?: SeedSet; since?: Date }): Promise<string[]> {
  return verifyCluster(lab, { seeded: [o.seed], ...(o.junk ? { junk: [o.junk] } : {}), ...(o.since ? { workersJoinedAfter: o.since } : {}) });
}
