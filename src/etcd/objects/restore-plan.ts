// From a diff to the writes of a restore: missing keys are created, changed keys overwritten
// only with --overwrite, extra live keys deleted only with --prune. Every write is guarded by
// the live mod revision the diff saw (0 = still absent), so a key changed meanwhile is skipped.
import type { DiffEntry, ObjectsDiff } from './diff.js';
import type { StoredObject } from './snapshot-read.js';
import type { GuardedWrite } from './txn.js';

export type RestoreAction = 'create' | 'overwrite' | 'delete';

export interface PlannedWrite extends GuardedWrite {
  action: RestoreAction;
  /** The live bytes the diff saw (undefined for create): what rollback puts back. */
  prior?: Buffer;
}

export interface RestorePlan {
  writes: PlannedWrite[];
  /** Differences left alone, with the flag that would include them. */
  leftAlone: { key: string; kind: DiffEntry['kind']; needs: '--overwrite' | '--prune' }[];
}

export function planRestore(
  diff: ObjectsDiff,
  snapshot: ReadonlyMap<string, StoredObject>,
  live: ReadonlyMap<string, StoredObject>,
  flags: { overwrite: boolean; prune: boolean },
): RestorePlan {
  const writes: PlannedWrite[] = [];
  const leftAlone: RestorePlan['leftAlone'] = [];
  for (const e of diff.entries) {
    const s = snapshot.get(e.key);
    const l = live.get(e.key);
    if (e.kind === 'missing' && s) {
      writes.push({ action: 'create', write: { op: 'put', key: e.key, value: s.value }, guard: { modRevision: 0 } });
    } else if (e.kind === 'changed' && s && l) {
      if (flags.overwrite) writes.push({ action: 'overwrite', write: { op: 'put', key: e.key, value: s.value }, guard: { modRevision: l.modRevision }, prior: l.value });
      else leftAlone.push({ key: e.key, kind: e.kind, needs: '--overwrite' });
    } else if (e.kind === 'extra' && l) {
      if (flags.prune) writes.push({ action: 'delete', write: { op: 'delete', key: e.key }, guard: { modRevision: l.modRevision }, prior: l.value });
      else leftAlone.push({ key: e.key, kind: e.kind, needs: '--prune' });
    }
  }
  return { writes, leftAlone };
}
