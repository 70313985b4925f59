// Node file trees as evidence that a rehearsal or drill changed nothing: every entry's path, type,
// mode, size and mtime (nanoseconds: any write moves it), plus the sha256 of every file under
// 1 MiB. Large files (etcd's 64 MB preallocated WAL) are covered by size + mtime only, which
// keeps a 4-node digest cheap on a loaded 2-core machine.
// A running etcd member writes its own files whenever it likes: the backend (member/snap/db) is
// committed in batches up to 100 ms after an entry is applied, and a member that has just started
// applies its own entries (member attributes, the cluster version) for a few seconds. Those files
// count by path, type and mode only; that nothing was written to etcd is shown by every member's
// revision instead, which digestAll appends.
import type { Lab } from '../lab/index.js';

const ETCD_OWN = /\/member\/(snap\/db|wal\/[^/]+)$/;

export async function treeDigest(lab: Lab, node: string, paths: readonly string[]): Promise<string> {
  const list = paths.join(' ');
  const r = await lab.exec(node, `find ${list} -printf '%y %m %s %T@ %p\\n' 2>/dev/null | sort -k5; find ${list} -type f -size -1024k -exec sha256sum {} + 2>/dev/null | sort -k2`);
  if (r.code !== 0 && r.stdout === '') throw new Error(`digest of ${node} failed: ${r.stderr}`);
  return r.stdout.split('\n').flatMap((line) => {
    const entry = /^(\S+ \S+) \S+ \S+ (.*)$/.exec(line);
    if (entry && ETCD_OWN.test(entry[2] ?? '')) return [`${entry[2]} ${entry[1]} (written by etcd)`];
    const sum = /^[0-9a-f]{64} {2}(.*)$/.exec(line);
    if (sum && ETCD_OWN.test(sum[1] ?? '')) return [];
    return [line];
  }).join('\n');
}

/** Each etcd member's revision, or why it has none (stopped, no quorum): a write anywhere moves it. */
export async function etcdRevisions(lab: Lab): Promise<string> {
  const members = lab.nodes.filter((n) => n.roles.includes('etcd'));
  const revs = await Promise.all(members.map(async (n) => {
    try {
      return `${n.name}=${(await lab.etcd.status(lab.clientURL(n.name), 10_000)).header.revision ?? '?'}`;
    } catch {
      return `${n.name}=unreachable`;
    }
  }));
  return `etcd revisions: ${revs.join(' ')}`;
}

/** Every node's tree digest, then the etcd members' revisions. */
export async function digestAll(lab: Lab, nodes: readonly string[], paths: readonly string[]): Promise<string[]> {
  const [trees, revs] = await Promise.all([Promise.all(nodes.map((n) => treeDigest(lab, n, paths))), etcdRevisions(lab)]);
  return [...trees, revs];
}
