// verifyCluster: the checks an operator makes after a restore, returned as a list of failures
// (empty = healthy) so a test can show every problem at once.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiserverReady, type Lab } from './handle.js';
import { seedValue, type SeedSet } from './scenarios.js';

export interface ClusterExpectations {
  /** Exactly these etcd members, by name. @default every control-plane node */
  members?: string[];
  /** Seeded key sets that must be present with their values. */
  seeded?: SeedSet[];
  /** Key sets that must be absent (written after the snapshot). */
  junk?: SeedSet[];
  /** Every control-plane apiserver answers /readyz 200. @default true */
  apiservers?: boolean;
  /** Every worker has kubelet.conf and joined at or after this time. */
  workersJoinedAfter?: Date;
}

async function checkMembers(lab: Lab, expected: string[], failures: string[]): Promise<string | undefined> {
  const clusterIds = new Map<string, string>();
  let healthy: string | undefined;
  const statuses = await Promise.allSettled(expected.map((name) => lab.etcd.status(lab.clientURL(name), 2000)));
  for (const [i, name] of expected.entries()) {
    try {
      const r = statuses[i];
      if (r?.status !== 'fulfilled') throw r?.reason;
      const s = r.value;
      if (!s.leader || s.leader === '0') failures.push(`etcd ${name}: no leader`);
      else healthy ??= name;
      clusterIds.set(name, s.header.cluster_id ?? '?');
      if (s.errors?.length) failures.push(`etcd ${name}: ${s.errors.join('; ')}`);
    } catch (e) {
      failures.push(`etcd ${name}: not healthy (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (new Set(clusterIds.values()).size > 1) {
    failures.push(`etcd members disagree on the cluster id (split brain): ${[...clusterIds].map(([n, id]) => `${n}=${id}`).join(', ')}`);
  }
  if (!healthy) return undefined;
  const { members } = await lab.etcd.memberList(lab.clientURL(healthy));
  const names = members.map((m) => m.name || `(unstarted ${m.peerURLs.join(',')})`).sort();
  if (JSON.stringify(names) !== JSON.stringify([...expected].sort())) {
    failures.push(`etcd member list is [${names.join(', ')}], expected exactly [${[...expected].sort().join(', ')}]`);
  }
  for (const m of members) {
    const node = lab.nodes.find((n) => n.name === m.name);
    if (!m.name || m.clientURLs.length === 0) failures.push(`etcd member ${m.id} is not started`);
    if (m.isLearner) failures.push(`etcd member ${m.name} is still a learner`);
    if (node && m.peerURLs.join(',') !== `https://${node.address}:2380`) failures.push(`etcd member ${m.name} has peer URLs ${m.peerURLs.join(',')}`);
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
  const healthy = await checkMembers(lab, exp.members ?? cps, failures).catch((e: unknown) => {
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
