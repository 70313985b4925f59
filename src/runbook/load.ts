// Thin I/O wrappers: read the file, hand the text to the pure parser.
import { readFile } from 'node:fs/promises';
import { KubedrError } from '../errors/index.js';
import type { Runbook } from '../model/index.js';
import { parseRunbook, readRunbook, type RunbookResult } from './parse.js';

export async function readRunbookFile(path: string): Promise<RunbookResult> {
  return readRunbook(await readText(path), path);
}

export async function loadRunbook(path: string): Promise<Runbook> {
  return parseRunbook(await readText(path), path);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new KubedrError('RUNBOOK_UNREADABLE', `cannot read runbook ${path}`, { hint: 'check the path given with -r/--runbook', exitCode: 2, cause });
  }
}
