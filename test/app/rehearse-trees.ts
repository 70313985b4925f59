// Node file trees as evidence that a rehearsal or drill changed nothing: every entry's path, type,
// mode, inode, size and mtime (nanoseconds: any write moves it), plus the sha256 of every file
// under 1 MiB. Large files (etcd's 64 MB preallocated WAL) are covered by size + mtime only, which
// keeps a 4-node digest cheap on a loaded 2-core machine.
// A running etcd member writes its own files whenever it likes: the backend (member/snap/db) is
// committed in batches up to 100 ms after an entry is applied, and a member that has just started
// applies its own entries (member attributes, the cluster version) for a few seconds. The live
// data dir's db and WAL files count by path, type, mode and inode only (replaced, they are still
// caught); that nothing was written to etcd is shown by the members' revisions and member list
// instead, which digestAll appends.
import type { Lab } from '../lab/index.js';
import { waitFor } from '../lab/proc.js';

const ETCD_OWN = /^\/var\/lib\/etcd\/member\/(snap\/db|wal\/[^/]+)$/;

export async function treeDigest(lab: Lab, node: string, paths: readonly string[]): Promise<string> {
  const list = paths.join(' ');
  const r = await lab.exec(node, `find ${list} -printf '%y %m %i %s %T@ %p\\n' 2>/dev/null | sort -k6; find ${list} -type f -size -1024k -exec sha256sum {} + 2>/dev/null | sort -k2`);
  if (r.code !== 0 && r.stdout === '') throw new Error(`digest of ${node} failed: ${r.stderr}`);
  return r.stdout.split('\n').flatMap((line) => {
    const entry = /^(\S+ \S+ \S+) \S+ \S+ (.*)$/.exec(line);
    if (entry && ETCD_OWN.test(entry[2] ?? '')) return [`${entry[2]} ${entry[1]} (written by etcd)`];
    const sum = /^[0-9a-f]{64} {2}(.*)$/.exec(line);
    if (sum && ETCD_OWN.test(sum[1] ?? '')) return [];
    return [line];
  }).join('\n');
}

type Revisions = { name: string; revision: string }[];

/**
 * Each etcd member's revision (a write anywhere moves it; "unreachable" for a stopped member),
 * once the reachable ones agree: a member applies a write on its own, so right after one (a
 * test's own put) another may still be a revision behind. Then the member list (an added,
 * removed or changed member moves no revision).
 */
export async function etcdState(lab: Lab): Promise<string> {
  const members = lab.nodes.filter((n) => n.roles.includes('etcd'));
  const read = (): Promise<Revisions> =>
    Promise.all(members.map(async (n) => {
      try {
        return { name: n.name, revision: (await lab.etcd.status(lab.clientURL(n.name), 10_000)).header.revision ?? '?' };
      } catch {
        return { name: n.name, revision: 'unreachable' };
      }
    }));
  const agreed = (revs: Revisions): boolean => new Set(revs.filter((r) => r.revision !== 'unreachable').map((r) => r.revision)).size <= 1;
  // Bounded by the test's own timeout: members that never agree fail it there, named.
  const revs = await waitFor('the reachable etcd members to agree on a revision', 30_000, async () => {
    const r = await read();
    return agreed(r) ? r : undefined;
  }, 50);
  let list = 'unreachable';
  for (const n of members) {
    try {
      list = (await lab.etcd.memberList(lab.clientURL(n.name))).members.map((m) => `${m.name} ${m.peerURLs.join(',')}${m.isLearner ? ' learner' : ''}`).sort().join('; ');
      break;
    } catch {
      // a stopped member: ask the next
    }
  }
  return `etcd revisions: ${revs.map((r) => `${r.name}=${r.revision}`).join(' ')}; members: ${list}`;
}

/** Every node's tree digest, then the etcd members' revisions and member list. */
export async function digestAll(lab: Lab, nodes: readonly string[], paths: readonly string[]): Promise<string[]> {
  const [trees, etcd] = await Promise.all([Promise.all(nodes.map((n) => treeDigest(lab, n, paths))), etcdState(lab)]);
  return [...trees, etcd];
}
