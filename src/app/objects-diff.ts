// `kubedr objects diff SNAPSHOT -i INVENTORY --select …`: the selection in the snapshot vs the
// live cluster, key by key, read-only through one etcd member.
import { diffObjects, parseSelection, type ObjectsDiff, type SelectedObjects, type StoredObject } from '../etcd/objects/index.js';
import type { IntegrityResult } from '../etcd/snapshot/index.js';
import { readSelected, type ObjectsSnapshotOptions } from './objects.js';
import { openLiveTarget, readLive, type LiveTarget, type LiveTargetOptions } from './objects-live.js';

export type ObjectsDiffOptions = ObjectsSnapshotOptions & Omit<LiveTargetOptions, 'inventory'> & { inventory: string };

export interface Comparison {
  snapshot: { file: string; revision: number; integrity: IntegrityResult; selected: number };
  live: { node: string; endpoint: string; revision: number; selected: number };
  selection: string[];
  diff: ObjectsDiff;
  /** Kept for the restore; not part of the report. */
  snapshotObjects: Map<string, StoredObject>;
  liveObjects: Map<string, StoredObject>;
}

/** Reads the live side of the selection and diffs it with the snapshot side (read first, before connecting). */
export async function compareOn(target: LiveTarget, o: ObjectsSnapshotOptions, snap: SelectedObjects): Promise<Comparison> {
  const selection = parseSelection(o);
  const live = await readLive(target, selection);
  return {
    snapshot: { file: o.snapshot, revision: snap.revision, integrity: snap.integrity, selected: snap.objects.size },
    live: { node: target.node, endpoint: target.endpoint, revision: live.revision, selected: live.objects.size },
    selection: selection.describe,
    diff: diffObjects(snap.objects, live.objects),
    snapshotObjects: snap.objects,
    liveObjects: live.objects,
  };
}

export type ObjectsDiffOutput = Omit<Comparison, 'snapshotObjects' | 'liveObjects'>;

export async function diffLiveObjects(o: ObjectsDiffOptions): Promise<ObjectsDiffOutput> {
  // Bad selectors and snapshots fail before anything connects.
  const snap = readSelected(o, false);
  const target = await openLiveTarget(o);
  try {
    const { snapshotObjects: _s, liveObjects: _l, ...report } = await compareOn(target, o, snap);
    return report;
  } finally {
    await target.close();
  }
}
