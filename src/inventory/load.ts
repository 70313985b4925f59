// Thin I/O wrappers: read the file, hand the text to the pure parser.
import { readFile } from 'node:fs/promises';
import { KubedrError } from '../errors/index.js';
import type { Inventory } from '../model/index.js';
import { readAnsibleVarFiles } from './ansible-vars.js';
import { parseInventory, readInventory, type InventoryResult } from './parse.js';

export async function readInventoryFile(path: string): Promise<InventoryResult> {
  const [text, overlays] = await Promise.all([readText(path), readAnsibleVarFiles(path)]);
  return readInventory(text, path, overlays);
}

export async function loadInventory(path: string): Promise<Inventory> {
  const [text, overlays] = await Promise.all([readText(path), readAnsibleVarFiles(path)]);
  return parseInventory(text, path, overlays);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new KubedrError('INVENTORY_UNREADABLE', `cannot read inventory ${path}`, { hint: 'check the path given with -i/--inventory', exitCode: 2, cause });
  }
}
