// Thin I/O wrappers: read the file, hand the text to the pure parser.
import { readInputText } from '../schema/read-input.js';
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

function readText(path: string): Promise<string> {
  return readInputText(path, { what: 'inventory', flag: '-i/--inventory' });
}
