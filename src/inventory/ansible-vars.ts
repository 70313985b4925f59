// group_vars/ and host_vars/ next to an Ansible inventory, as ansible-inventory reads them:
// `group_vars/NAME.yml|.yaml|.json|NAME` files, or a `group_vars/NAME/` directory whose files
// merge in name order. Thin I/O: the parsed values go to the pure translation.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Problem } from '../errors/index.js';
import { parseYaml } from '../schema/index.js';

type Vars = Record<string, unknown>;

export interface AnsibleVarFiles {
  groupVars: Record<string, Vars>;
  hostVars: Record<string, Vars>;
  /** The files read, in order (for messages and -v). */
  files: string[];
  problems: Problem[];
}

const EXT = /\.(ya?ml|json)$/;

async function readVarsDir(dir: string, out: AnsibleVarFiles): Promise<Record<string, Vars>> {
  const result: Record<string, Vars> = {};
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch {
    return result;
  }
  const readOne = async (path: string): Promise<Vars> => {
    const parsed = parseYaml(await readFile(path, 'utf8'), path);
    out.files.push(path);
    out.problems.push(...parsed.problems);
    const v = parsed.value;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Vars) : {};
  };
  for (const entry of entries) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    const name = entry.replace(EXT, '');
    if ((await stat(path)).isDirectory()) {
      for (const f of (await readdir(path)).sort()) if (EXT.test(f)) Object.assign((result[name] ??= {}), await readOne(join(path, f)));
    } else if (EXT.test(entry) || !entry.includes('.')) {
      Object.assign((result[name] ??= {}), await readOne(path));
    }
  }
  return result;
}

/** Reads the group_vars/ and host_vars/ beside `inventoryPath` (absent dirs read as empty). */
export async function readAnsibleVarFiles(inventoryPath: string): Promise<AnsibleVarFiles> {
  const out: AnsibleVarFiles = { groupVars: {}, hostVars: {}, files: [], problems: [] };
  const dir = dirname(inventoryPath);
  out.groupVars = await readVarsDir(join(dir, 'group_vars'), out);
  out.hostVars = await readVarsDir(join(dir, 'host_vars'), out);
  return out;
}
