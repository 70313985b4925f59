// `snapshot diff`: compares the live keys of two snapshots. "changed" means the value bytes
// differ (sha256 digests), not merely the revision: a restored cluster keeps its revisions, but
// two unrelated clusters may hold equal objects at different revisions.
import type { LiveKey } from './keyspace.js';
import { extractResource } from './resource.js';

export interface ResourceDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface SnapshotDiff {
  totals: { added: number; removed: number; changed: number; unchanged: number };
  /** Only resource types with at least one difference, sorted by name; keys sorted. */
  resources: Record<string, ResourceDiff>;
}

/** Diffs live key maps `a` (before) and `b` (after). */
export function diffKeyspaces(a: Map<string, LiveKey>, b: Map<string, LiveKey>): SnapshotDiff {
  const byResource = new Map<string, ResourceDiff>();
  const totals = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  const note = (kind: keyof ResourceDiff, key: string) => {
    const r = extractResource(key);
    let entry = byResource.get(r);
    if (!entry) byResource.set(r, (entry = { added: [], removed: [], changed: [] }));
    entry[kind].push(key);
    totals[kind]++;
  };
  for (const [key, before] of a) {
    const after = b.get(key);
    if (!after) note('removed', key);
    else if (after.digest !== before.digest || after.valueSize !== before.valueSize) note('changed', key);
    else totals.unchanged++;
  }
  for (const key of b.keys()) if (!a.has(key)) note('added', key);
  const resources: Record<string, ResourceDiff> = {};
  for (const name of [...byResource.keys()].sort(compare)) {
    const d = byResource.get(name)!;
    resources[name] = { added: d.added.sort(compare), removed: d.removed.sort(compare), changed: d.changed.sort(compare) };
  }
  return { totals, resources };
}

function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
