// Test data and damage for DR tests: seed keys, take a snapshot, then break the cluster the ways
// an operator meets it (quorum loss, everything wiped, writes made after the snapshot).
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './handle.js';
import { runOk, waitFor } from './proc.js';

/** Keys written by seedKeys: `<prefix><i>` = `<tag>:<i>` for i in 0..count-1. */
export interface SeedSet {
  prefix: string;
  count: number;
  tag: string;
}

export const seedValue = (s: SeedSet, i: number): string => `${s.tag}:${i}`;

/** Where damage scenarios put the manifests they take out (inside each node). */
export const DAMAGED_DIR = '/etc/kubernetes/kubedr-lab-damaged';

/** Nodes that run an etcd member (the control planes when etcd is stacked). */
function controlPlanes(lab: Lab): string[] {
  return lab.nodes.filter((n) => n.roles.includes('etcd')).map((n) => n.name);
}

/** Write `count` keys through etcd's gateway in txn batches (thousands per second). */
export async function seedKeys(lab: Lab, count: number, prefix = '/registry/configmaps/kubedr-seed/'): Promise<SeedSet> {
  const seed: SeedSet = { prefix, count, tag: `seed-${lab.id}-${Date.now()}` };
  const kvs = Array.from({ length: count }, (_, i) => ({ key: `${prefix}${String(i).padStart(6, '0')}`, value: seedValue(seed, i) }));
  // Through the first member that takes the writes (a damaged lab may have some members down).
  let last: unknown;
  for (const cp of controlPlanes(lab)) {
    try {
      await lab.etcd.putMany(lab.clientURL(cp), kvs);
      return seed;
    } catch (e) {
      last = e;
    }
  }
  throw last instanceof Error ? last : new Error('no control-plane node to seed keys through');
}

/** Keys written after the snapshot: a restore must make them disappear. */
export function writeJunk(lab: Lab, count = 10): Promise<SeedSet> {
  return seedKeys(lab, count, '/registry/configmaps/kubedr-junk/');
}

export interface Snapshot {
  path: string;
  sha256: string;
}

/** `etcdctl snapshot save` from `node`'s member to a host path, as the backup procedure does. */
export async function takeSnapshot(lab: Lab, node: string, dest: string): Promise<Snapshot> {
  await runOk('etcdctl', [
    `--endpoints=${lab.clientURL(node)}`, `--cacert=${lab.etcdTls.cacert}`, `--cert=${lab.etcdTls.cert}`, `--key=${lab.etcdTls.key}`,
    'snapshot', 'save', dest,
  ], { env: { ...process.env, ETCDCTL_API: '3' } });
  return { path: dest, sha256: createHash('sha256').update(readFileSync(dest)).digest('hex') };
}

/** Move a static-pod manifest out (as an operator stops a pod) and wait until its process is gone. */
export async function stopPod(lab: Lab, node: string, manifest: 'etcd' | 'kube-apiserver', destDir = DAMAGED_DIR): Promise<string> {
  const dest = `${destDir}/${manifest}.yaml`;
  const r = await lab.exec(node, `mkdir -p '${destDir}' && mv /etc/kubernetes/manifests/${manifest}.yaml '${dest}'`);
  if (r.code !== 0) throw new Error(`stopping ${manifest} on ${node}: ${r.stderr.trim()}`);
  const proc = manifest === 'etcd' ? 'etcd' : 'kube-apiserver';
  await waitFor(`${proc} on ${node} to exit`, 15_000, async () => ((await lab.exec(node, `pgrep -x ${proc}`)).code === 1 ? true : undefined), 100);
  return dest;
}

export interface Damage {
  /** Members whose etcd was stopped and whose data was wiped. */
  members: string[];
  /** Where each stopped member's etcd.yaml now is (inside the node). */
  manifests: Record<string, string>;
}

async function stopAndWipe(lab: Lab, members: string[]): Promise<Damage> {
  const manifests: Record<string, string> = {};
  await Promise.all(members.map(async (m) => {
    manifests[m] = await stopPod(lab, m, 'etcd');
    const r = await lab.exec(m, 'rm -rf /var/lib/etcd/member');
    if (r.code !== 0) throw new Error(`wiping etcd data on ${m}: ${r.stderr.trim()}`);
  }));
  return { members, manifests };
}

/** Quorum loss: two members (default: the last two control planes) stopped and their data wiped. */
export function breakQuorum(lab: Lab, members?: string[]): Promise<Damage> {
  const cps = controlPlanes(lab);
  return stopAndWipe(lab, members ?? cps.slice(-2));
}

/** Every member stopped and wiped: only a snapshot can bring the cluster back. */
export function wipeAll(lab: Lab): Promise<Damage> {
  return stopAndWipe(lab, controlPlanes(lab));
}

/**
 * Give `node` a new sshd host key (new connections use it at once: sshd re-reads its key per
 * connection), so the lab's known_hosts is now wrong for it. Returns an undo that puts the
 * original key back.
 */
export async function changeHostKey(lab: Lab, node: string): Promise<() => void> {
  const key = join(lab.node(node).dirs.root, 'ssh_host_ed25519_key');
  const saved = [readFileSync(key), readFileSync(`${key}.pub`)] as const;
  rmSync(key);
  rmSync(`${key}.pub`);
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${node}`, '-f', key]);
  return () => {
    writeFileSync(key, saved[0], { mode: 0o600 });
    writeFileSync(`${key}.pub`, saved[1]);
  };
}
