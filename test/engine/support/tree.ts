// Hash of a directory tree (paths, modes, contents), to prove a rollback left it byte-identical.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export async function hashTree(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(join(dir, rel))).sort();
    for (const name of entries) {
      const p = join(rel, name);
      const st = await lstat(join(dir, p));
      h.update(`${p}\0${st.mode}\0`);
      if (st.isDirectory()) await walk(p);
      else if (st.isSymbolicLink()) h.update(await readlink(join(dir, p)));
      else h.update(await readFile(join(dir, p)));
    }
  };
  await walk('');
  return h.digest('hex');
}

/** Lists the tree, for a readable diff when hashes differ. */
export async function listTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const p = join(rel, name);
    out.push(p);
    if ((await lstat(join(dir, p))).isDirectory()) out.push(...(await listTree(dir, p)));
  }
  return out;
}
