// Live cluster vs snapshot, key by key, over the selection: missing live (in the snapshot only),
// changed (both, value bytes differ), extra live (live only). What the restore plan is built
// from; each entry keeps the live mod revision the diff saw, which every write then guards on.
import { parseObjectKey } from './key.js';
import type { StoredObject } from './snapshot-read.js';

export type DiffKind = 'missing' | 'changed' | 'extra';

export interface DiffEntry {
  key: string;
  resource: string;
  kind: DiffKind;
  snapshotSize?: number;
  liveSize?: number;
  /** Mod revision of the live key when the diff read it (absent for `missing`). */
  liveModRevision?: number;
}

export interface ObjectsDiff {
  totals: { missing: number; changed: number; extra: number; same: number };
  /** Sorted by key. */
  entries: DiffEntry[];
}

export function diffObjects(snapshot: ReadonlyMap<string, StoredObject>, live: ReadonlyMap<string, StoredObject>): ObjectsDiff {
  const entries: DiffEntry[] = [];
  const totals = { missing: 0, changed: 0, extra: 0, same: 0 };
  for (const [key, s] of snapshot) {
    const l = live.get(key);
    const resource = parseObjectKey(key).resource;
    if (!l) entries.push({ key, resource, kind: 'missing', snapshotSize: s.value.length });
    else if (!l.value.equals(s.value)) entries.push({ key, resource, kind: 'changed', snapshotSize: s.value.length, liveSize: l.value.length, liveModRevision: l.modRevision });
    else {
      totals.same++;
      continue;
    }
    totals[entries.at(-1)?.kind ?? 'missing']++;
  }
  for (const [key, l] of live) {
    if (snapshot.has(key)) continue;
    entries.push({ key, resource: parseObjectKey(key).resource, kind: 'extra', liveSize: l.value.length, liveModRevision: l.modRevision });
    totals.extra++;
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { totals, entries };
}
