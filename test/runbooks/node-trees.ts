// Evidence about node file trees for "changed nothing" / "rolled back to the pre-run state":
// a sha256 of every file (and every directory name) under given paths, read inside each node.
import { join } from 'node:path';
import type { Lab } from '../lab/index.js';
import { run, type RunResult } from '../lab/proc.js';

const REPO = join(import.meta.dirname, '..', '..');

/**
 * node → sorted "sha256  path" lines (dirs as "dir  path") under `paths`. A running member's
 * WAL and db change on their own (elections), so /var/lib/etcd/member is listed, not hashed.
 */
export async function hashTrees(lab: Lab, nodes: string[], paths: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const list = paths.map((p) => `'${p}'`).join(' ');
  await Promise.all(nodes.map(async (n) => {
    const script = `for p in ${list}; do [ -e "$p" ] || continue
      find "$p" -path '*/etcd*/member/*' -prune -o -type d -printf 'dir  %p\\n' -o -type f -exec sha256sum {} +; done | sort`;
    const r = await lab.exec(n, script);
    if (r.code !== 0) throw new Error(`hashing ${n}: ${r.stderr}`);
    out[n] = r.stdout.trim().split('\n');
  }));
  return out;
}

/** The inode of `path` on each node: moved away and back keeps it, a copy would not. */
export async function dirInodes(lab: Lab, nodes: string[], path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of nodes) out[n] = (await lab.exec(n, `stat -c %i '${path}' '${path}/member'`)).stdout.trim();
  return out;
}

/** `kubedr <args>` from this checkout (or another program with `file`), in the repo root. */
export function runCli(args: string[], file?: string): Promise<RunResult> {
  if (file !== undefined) return run(file, args);
  return run(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'entry.ts'), ...args]);
}
