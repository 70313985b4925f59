// Thin I/O wrappers: read the file, hand the text to the pure parser.
import { readInputText } from '../schema/read-input.js';
import type { Runbook } from '../model/index.js';
import { parseRunbook, readRunbook, type RunbookResult } from './parse.js';

export async function readRunbookFile(path: string): Promise<RunbookResult> {
  return readRunbook(await readText(path), path);
}

export async function loadRunbook(path: string): Promise<Runbook> {
  return parseRunbook(await readText(path), path);
}

function readText(path: string): Promise<string> {
  return readInputText(path, { what: 'runbook', flag: '-r/--runbook' });
}
