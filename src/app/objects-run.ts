// The run state of an object restore, beside the audit log in <stateDir>/runs/<run-id>/:
// - objects-journal.jsonl: what was to be written and what happened, key by key (no values);
// - objects-values.jsonl (0600): the live bytes each write replaced, and the bytes written, as
//   base64. Rollback needs the exact bytes, Secrets included, so they are kept here and nowhere
//   else: never in the journal, the audit log or the console. Delete the run dir to drop them.
// Both are fsync'd before the writes they describe are sent.
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RestoreAction } from '../etcd/objects/index.js';
import { ObjectsError } from '../etcd/objects/index.js';

export const OBJECTS_JOURNAL = 'objects-journal.jsonl';
export const OBJECTS_VALUES = 'objects-values.jsonl';

export interface RestoreStartRecord {
  r: 'start';
  snapshot: string;
  selection: string[];
  overwrite: boolean;
  prune: boolean;
  inventory: string;
  inventoryHash: string;
  cluster: string;
  node: string;
  endpoint: string;
  at: string;
}

export type KeyOutcome = 'done' | 'skipped' | 'unknown';

export type ObjectsJournalRecord =
  | RestoreStartRecord
  | { r: 'intent'; key: string; action: RestoreAction; guardModRevision: number; at: string }
  | { r: 'result'; key: string; action: RestoreAction; outcome: KeyOutcome; revision?: number; at: string }
  | { r: 'undo'; key: string; action: RestoreAction; outcome: KeyOutcome; revision?: number; at: string }
  | { r: 'end'; mode: 'restore' | 'rollback'; outcome: string; at: string };

export interface ValuesRecord {
  key: string;
  /** Live bytes before the restore (overwrite, delete). */
  prior?: string;
  /** Bytes the restore wrote (create, overwrite). */
  written?: string;
}

/** Append-only JSONL, each append fdatasync'd before it returns; created 0600. */
export class SyncedLog<T> {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', 0o600);
  }

  append(records: readonly T[]): void {
    if (records.length === 0) return;
    writeSync(this.fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

export function isObjectsRun(runDir: string): boolean {
  return existsSync(join(runDir, OBJECTS_JOURNAL));
}

export function readObjectsJournal(runDir: string): ObjectsJournalRecord[] {
  return readJsonl<ObjectsJournalRecord>(join(runDir, OBJECTS_JOURNAL));
}

export function readValues(runDir: string): Map<string, ValuesRecord> {
  const out = new Map<string, ValuesRecord>();
  for (const v of readJsonl<ValuesRecord>(join(runDir, OBJECTS_VALUES))) out.set(v.key, { ...out.get(v.key), ...v });
  return out;
}

/** Complete lines only: a torn last line (a crash while writing it) was never acted upon. */
function readJsonl<T>(path: string): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ObjectsError('OBJECTS_RUN_STATE', `cannot read ${path}`, { cause, hint: 'is this the run id of an `objects restore`? see `kubedr runs`' });
  }
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((l) => l !== '').map((l) => JSON.parse(l) as T);
}
