// Reading a journal back. A crash mid-write leaves at most one torn line at the end (appends
// are single writes); it is dropped. A bad line anywhere else means the file was damaged.
import { readFile } from 'node:fs/promises';
import { KubedrError } from '../errors/index.js';
import type { JournalRecord } from './records.js';

export interface ParsedJournal {
  records: JournalRecord[];
  /** True when a torn last line was dropped. */
  torn: boolean;
}

export function parseJournal(text: string, source: string): ParsedJournal {
  const lines = text.split('\n');
  // A complete journal ends with '\n', so the final element is '' unless the last line is torn.
  const last = lines.pop() ?? '';
  const records: JournalRecord[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch (cause) {
      throw new KubedrError('JOURNAL_CORRUPT', `${source}:${i + 1}: the journal line is not valid JSON`, {
        hint: 'the journal was edited or damaged; restore it from a backup or start a new run',
        // Bad input (documented exit 2), not a failure on a node.
        exitCode: 2,
        cause,
      });
    }
  });
  return { records, torn: last !== '' };
}

export async function readJournal(path: string): Promise<ParsedJournal> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new KubedrError('JOURNAL_NOT_FOUND', `no run journal at ${path}`, {
      hint: 'check the run id (`kubedr runs` lists them) and the --state-dir',
      exitCode: 2,
      cause,
    });
  }
  return parseJournal(text, path);
}
