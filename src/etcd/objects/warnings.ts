// What a careful operator must be told before approving a restore: objects whose owners are
// absent live (the garbage collector deletes them again), encrypted values (restorable only while
// the same encryption key is configured), objects recreated live with another uid since the
// snapshot, and keys outside /registry/. Pure; the app looks owners up live.
import { parseObjectKey, REGISTRY } from './key.js';
import { objectInfo, type OwnerRef } from './meta.js';
import type { PlannedWrite } from './restore-plan.js';
import type { StoredObject } from './snapshot-read.js';

export type WarningCode = 'OBJECTS_WARN_OWNER_ABSENT' | 'OBJECTS_WARN_ENCRYPTED' | 'OBJECTS_WARN_UID_CHANGED' | 'OBJECTS_WARN_OUTSIDE_REGISTRY';

export interface RestoreWarning {
  code: WarningCode;
  key: string;
  message: string;
}

export interface OwnerNeed {
  key: string;
  ref: OwnerRef;
  /** Where the owner would be stored, most likely first. */
  candidates: string[];
}

/** Warnings that need no further live read, and the owner references still to look up live. */
export function localWarnings(writes: readonly PlannedWrite[], live: ReadonlyMap<string, StoredObject>): { warnings: RestoreWarning[]; owners: OwnerNeed[] } {
  const warnings: RestoreWarning[] = [];
  const owners: OwnerNeed[] = [];
  // Uids that will exist in the selection after the restore: written objects plus untouched live ones.
  const present = new Set<string>();
  const deleted = new Set(writes.filter((w) => w.write.op === 'delete').map((w) => w.write.key));
  for (const [key, l] of live) if (!deleted.has(key)) addUid(present, l.value);
  for (const w of writes) if (w.write.op === 'put') addUid(present, w.write.value);
  for (const w of writes) {
    const key = w.write.key;
    if (!key.startsWith(REGISTRY)) warnings.push({ code: 'OBJECTS_WARN_OUTSIDE_REGISTRY', key, message: `${key} is outside /registry/: not a Kubernetes object; make sure you mean it` });
    if (w.write.op !== 'put') continue;
    const info = objectInfo(w.write.value);
    if (info.encoding === 'encrypted') {
      warnings.push({ code: 'OBJECTS_WARN_ENCRYPTED', key, message: `${key} is encrypted at rest (${info.encryption ?? '?'}): readable by the apiserver only while that key is in its encryption config` });
    }
    const liveNow = live.get(key);
    if (liveNow && info.uid !== undefined) {
      const liveUid = objectInfo(liveNow.value).uid;
      if (liveUid !== undefined && liveUid !== info.uid) {
        warnings.push({ code: 'OBJECTS_WARN_UID_CHANGED', key, message: `${key} was recreated live since the snapshot (uid ${liveUid}, snapshot ${info.uid}): objects owned by the live one lose their owner` });
      }
    }
    const ns = parseObjectKey(key).namespace;
    for (const ref of info.ownerReferences) {
      if (ref.uid !== '' && present.has(ref.uid)) continue;
      owners.push({ key, ref, candidates: ownerCandidates(ref, ns) });
    }
  }
  return { warnings, owners };
}

/** Owners still missing after the live lookup (`liveUids`: uid of each candidate key found live). */
export function ownerWarnings(owners: readonly OwnerNeed[], liveUids: ReadonlyMap<string, string | undefined>): RestoreWarning[] {
  return owners.flatMap(({ key, ref, candidates }) => {
    if (candidates.some((c) => liveUids.get(c) === ref.uid)) return [];
    const other = candidates.find((c) => liveUids.has(c));
    const why = other ? `${other} exists live with another uid` : 'not found live';
    return [{ code: 'OBJECTS_WARN_OWNER_ABSENT' as const, key, message: `${key}: owner ${ref.kind}/${ref.name} (uid ${ref.uid}) is ${why}: the garbage collector will delete the restored object again; restore the owner too` }];
  });
}

/**
 * Where an owner of this kind is stored: the lower-case plural of its kind (the apiserver's
 * rule for nearly every type), under /registry/ for built-in groups or /registry/<group>/ for
 * the others, namespaced like its dependent or cluster-scoped.
 */
export function ownerCandidates(ref: OwnerRef, namespace: string | undefined): string[] {
  const plural = pluralOf(ref.kind.toLowerCase());
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
  const bases = [`${REGISTRY}${plural}/`, ...(group.includes('.') ? [`${REGISTRY}${group}/${plural}/`] : [])];
  return bases.flatMap((b) => [...(namespace === undefined ? [] : [`${b}${namespace}/${ref.name}`]), `${b}${ref.name}`]);
}

function pluralOf(kind: string): string {
  if (/(s|x|z|ch|sh)$/.test(kind)) return `${kind}es`;
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}

function addUid(set: Set<string>, value: Buffer): void {
  const uid = objectInfo(value).uid;
  if (uid !== undefined) set.add(uid);
}
