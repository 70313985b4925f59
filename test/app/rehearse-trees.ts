// Node file trees as evidence that a rehearsal or drill changed nothing: every entry's path, type,
// mode, size and mtime (nanoseconds: any write moves it), plus the sha256 of every file under
// 1 MiB. Large files (etcd's 64 MB preallocated WAL) are covered by size + mtime only, which
// keeps a 4-node digest cheap on a loaded 2-core machine.
import type { Lab } from '../lab/index.js';

export async function treeDigest(lab: Lab, node: string, paths: readonly string[]): Promise<string> {
  const list = paths.join(' ');
  const r = await lab.exec(node, `find ${list} -printf '%p %y %m %s %T@\\n' 2>/dev/null | sort; find ${list} -type f -size -1024k -exec sha256sum {} + 2>/dev/null | sort`);
  if (r.code !== 0 && r.stdout === '') throw new Error(`digest of ${node} failed: ${r.stderr}`);
  return r.stdout;
}

export function digestAll(lab: Lab, nodes: readonly string[], paths: readonly string[]): Promise<string[]> {
  return Promise.all(nodes.map((n) => treeDigest(lab, n, paths)));
}
