// Damage that takes files, as a lost disk or a re-imaged VM does: the manifests go with the
// data, or a member's etcd certificates are gone. What is taken leaves the node entirely (moved
// to a host dir the test keeps, never to a place a runbook could find on the node), so a restore
// can only get it back from the backup or rebuild it from a surviving member.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Lab } from './handle.js';
import { waitFor } from './proc.js';

/** What a node can lose. */
export type Loss = 'etcd-manifest' | 'all-manifests' | 'etcd-data' | 'etcd-pki';

const MANIFESTS = '/etc/kubernetes/manifests';
const PATHS: Record<Exclude<Loss, 'all-manifests'>, string> = {
  'etcd-manifest': `${MANIFESTS}/etcd.yaml`,
  'etcd-data': '/var/lib/etcd',
  'etcd-pki': '/etc/kubernetes/pki/etcd',
};

export interface FileDamage {
  /** Nodes that lost something, in the order damaged. */
  members: string[];
  /** Host dir holding what was taken: `<offNode>/<node>/<path inside the node>`. */
  offNode: string;
  /** node → the node paths that are gone. */
  taken: Record<string, string[]>;
}

/** Where the copy of a taken node path is kept on the host. */
export const takenCopy = (d: FileDamage, node: string, path: string): string => join(d.offNode, node, path);

function moveOff(lab: Lab, node: string, path: string, offNode: string): boolean {
  const from = lab.hostPath(node, path);
  if (!existsSync(from)) return false;
  const to = join(offNode, node, path);
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to);
  } catch {
    // Another filesystem: copy, then the node loses it.
    cpSync(from, to, { recursive: true, preserveTimestamps: true });
    rmSync(from, { recursive: true, force: true });
  }
  return true;
}

async function waitGone(lab: Lab, node: string, procs: string[]): Promise<void> {
  const pattern = `^(${procs.join('|')})$`;
  await waitFor(`${procs.join(', ')} on ${node} to exit`, 20_000, async () => ((await lab.exec(node, `pgrep -x '${pattern}'`)).code === 1 ? true : undefined), 100);
}

/**
 * `node` loses `losses`. Its etcd is stopped first (as the disk loss stops it); a manifest that
 * is not lost goes back in place afterwards, so its pod restarts on what is left.
 */
export async function loseFiles(lab: Lab, node: string, losses: Loss[], offNode: string): Promise<string[]> {
  const hold = join(offNode, '.held', node);
  const manifests = readdirSync(lab.hostPath(node, MANIFESTS)).filter((f) => f.endsWith('.yaml')).sort();
  const lost = new Set(losses.includes('all-manifests') ? manifests.map((f) => `${MANIFESTS}/${f}`) : losses.includes('etcd-manifest') ? [PATHS['etcd-manifest']] : []);
  const taken: string[] = [];
  // Stop etcd (and the apiserver when its manifest goes) by taking the manifests out.
  const stopping = manifests.filter((f) => f === 'etcd.yaml' || lost.has(`${MANIFESTS}/${f}`));
  for (const f of stopping) {
    const path = `${MANIFESTS}/${f}`;
    if (lost.has(path)) {
      if (moveOff(lab, node, path, offNode)) taken.push(path);
    } else {
      moveOff(lab, node, path, hold);
    }
  }
  await waitGone(lab, node, stopping.includes('kube-apiserver.yaml') ? ['etcd', 'kube-apiserver'] : ['etcd']);
  for (const loss of losses) {
    if (loss === 'etcd-data' || loss === 'etcd-pki') {
      if (moveOff(lab, node, PATHS[loss], offNode)) taken.push(PATHS[loss]);
    }
  }
  // What the node kept comes back where it was.
  for (const f of stopping) {
    const path = `${MANIFESTS}/${f}`;
    if (!lost.has(path)) renameSync(join(hold, node, path), lab.hostPath(node, path));
  }
  // This node's hold only: the other nodes of the same damage are still holding theirs.
  rmSync(hold, { recursive: true, force: true });
  return taken;
}

async function damage(lab: Lab, offNode: string, plan: [string, Loss[]][]): Promise<FileDamage> {
  const taken: Record<string, string[]> = {};
  await Promise.all(plan.map(async ([node, losses]) => {
    taken[node] = await loseFiles(lab, node, losses, offNode);
  }));
  return { members: plan.map(([n]) => n), offNode, taken };
}

const etcdNodes = (lab: Lab): string[] => lab.nodes.filter((n) => n.roles.includes('etcd')).map((n) => n.name);

/** Quorum loss: two members (default: the last two) lost /var/lib/etcd and their etcd.yaml. */
export function loseQuorumWithManifests(lab: Lab, offNode: string, members = etcdNodes(lab).slice(-2)): Promise<FileDamage> {
  return damage(lab, offNode, members.map((m) => [m, ['etcd-manifest', 'etcd-data']]));
}

/**
 * Every member lost /var/lib/etcd and every static-pod manifest; `survivors` lost only their
 * data (their manifests were kept, e.g. a config-managed file), so a manifest can be rebuilt.
 */
export function wipeAllWithManifests(lab: Lab, offNode: string, survivors: string[] = []): Promise<FileDamage> {
  return damage(lab, offNode, etcdNodes(lab).map((m) => [m, survivors.includes(m) ? ['etcd-data'] : ['all-manifests', 'etcd-data']]));
}

/** One control-plane node re-imaged: its etcd data and every static-pod manifest gone. */
export function wipeNode(lab: Lab, node: string, offNode: string): Promise<FileDamage> {
  return damage(lab, offNode, [[node, ['all-manifests', 'etcd-data']]]);
}

/** A member lost /etc/kubernetes/pki/etcd (and its data; with `manifest`, its etcd.yaml too). */
export function loseEtcdPki(lab: Lab, node: string, offNode: string, o: { manifest?: boolean } = {}): Promise<FileDamage> {
  return damage(lab, offNode, [[node, ['etcd-pki', 'etcd-data', ...(o.manifest ? ['etcd-manifest' as const] : [])]]]);
}

/**
 * Undo the damage (tests of the damage itself): what was taken goes back, data before manifests,
 * and whatever the node grew in its place meanwhile is moved to `<offNode>/.displaced`.
 */
export async function putBack(lab: Lab, d: FileDamage): Promise<void> {
  for (const [node, paths] of Object.entries(d.taken)) {
    const ordered = [...paths].sort((a, b) => Number(a.startsWith(MANIFESTS)) - Number(b.startsWith(MANIFESTS)));
    const etcdYaml = lab.hostPath(node, PATHS['etcd-manifest']);
    const hold = join(d.offNode, '.held', node, 'etcd.yaml');
    // A kept etcd.yaml is held out while the data goes back, so the member starts on its own data.
    const held = !paths.includes(PATHS['etcd-manifest']) && existsSync(etcdYaml);
    if (held) {
      mkdirSync(dirname(hold), { recursive: true });
      renameSync(etcdYaml, hold);
      await waitGone(lab, node, ['etcd']);
    }
    for (const path of ordered) {
      const dest = lab.hostPath(node, path);
      if (existsSync(dest)) moveOff(lab, node, path, join(d.offNode, '.displaced'));
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(takenCopy(d, node, path), dest);
    }
    if (held) renameSync(hold, etcdYaml);
  }
}

/**
 * External etcd (systemd): `members` lost /var/lib/etcd. The unit is stopped first (a dead disk
 * takes the service down) and stays stopped, as after a crash the operator has not touched yet.
 */
export async function loseSystemdMembers(lab: Lab, offNode: string, members = etcdNodes(lab).slice(-2)): Promise<FileDamage> {
  const taken: Record<string, string[]> = {};
  await Promise.all(members.map(async (m) => {
    const r = await lab.exec(m, 'systemctl stop etcd');
    if (r.code !== 0) throw new Error(`systemctl stop etcd on ${m}: ${r.stderr.trim()}`);
    await waitGone(lab, m, ['etcd']);
    taken[m] = moveOff(lab, m, PATHS['etcd-data'], offNode) ? [PATHS['etcd-data']] : [];
  }));
  return { members, offNode, taken };
}
