// What a drill learns from etcdctl's JSON, and how it judges it: the throwaway etcd must hold
// exactly the snapshot's revision and live keys; against the live cluster, the key sets say what
// a restore would bring back (add), what it would lose (remove) and what it would overwrite
// with the snapshot's older value (change), per resource type.
import { KubedrError } from '../../errors/index.js';
import { valueDigest } from '../snapshot/keyspace.js';
import { extractResource } from '../snapshot/resource.js';

export interface EtcdQuery {
  healthy: boolean;
  revision: number;
  keys: string[];
}

interface KeysJson { header?: { revision?: number | string }; kvs?: { key?: string; value?: string }[] }
interface StatusJson { Status?: { header?: { revision?: number | string } } }

/** Keys (base64 in etcdctl's JSON) decoded as UTF-8, and the header revision. */
export function parseKeysJson(text: string, what: string): { revision: number; keys: string[] } {
  let doc: KeysJson;
  try {
    doc = JSON.parse(text) as KeysJson;
  } catch (cause) {
    throw new KubedrError('DRILL_BAD_OUTPUT', `${what}: etcdctl did not print JSON: ${text.slice(0, 200)}`, { cause });
  }
  return { revision: Number(doc.header?.revision ?? 0), keys: (doc.kvs ?? []).map((kv) => Buffer.from(kv.key ?? '', 'base64').toString('utf8')) };
}

/** Keys with the digest of their value (`get --prefix -w json` with values), as the snapshot reader digests them. */
export function parseValuesJson(text: string, what: string): { revision: number; values: Map<string, string> } {
  let doc: KeysJson;
  try {
    doc = JSON.parse(text) as KeysJson;
  } catch (cause) {
    throw new KubedrError('DRILL_BAD_OUTPUT', `${what}: etcdctl did not print JSON: ${text.slice(0, 200)}`, { cause });
  }
  const values = new Map<string, string>();
  for (const kv of doc.kvs ?? []) values.set(Buffer.from(kv.key ?? '', 'base64').toString('utf8'), valueDigest(Buffer.from(kv.value ?? '', 'base64')));
  return { revision: Number(doc.header?.revision ?? 0), values };
}

/** Output of queryScript: a health line, `endpoint status -w json`, `get --keys-only -w json`. */
export function parseQuery(stdout: string): EtcdQuery {
  const [health = '', status = '', keys = ''] = stdout.split('\n');
  let revision = 0;
  try {
    revision = Number((JSON.parse(status) as StatusJson[])[0]?.Status?.header?.revision ?? 0);
  } catch (cause) {
    throw new KubedrError('DRILL_BAD_OUTPUT', `endpoint status: etcdctl did not print JSON: ${status.slice(0, 200)}`, { cause });
  }
  return { healthy: / is healthy/.test(health), revision, keys: parseKeysJson(keys, 'get --keys-only').keys };
}

export interface Expected {
  revision: number;
  liveKeys: ReadonlySet<string>;
}

/** Differences between the restored etcd and the snapshot; empty when the restore is faithful. */
export function verifyRestored(got: EtcdQuery, want: Expected): string[] {
  const problems: string[] = [];
  if (!got.healthy) problems.push('the throwaway etcd is not healthy');
  if (got.revision !== want.revision) problems.push(`revision ${got.revision}, the snapshot has ${want.revision}`);
  if (got.keys.length !== want.liveKeys.size) problems.push(`${got.keys.length} keys, the snapshot has ${want.liveKeys.size} live keys`);
  const extra = got.keys.filter((k) => !want.liveKeys.has(k));
  const have = new Set(got.keys);
  const missing = [...want.liveKeys].filter((k) => !have.has(k));
  if (extra.length > 0) problems.push(`${extra.length} key(s) not in the snapshot, e.g. ${extra[0] ?? ''}`);
  if (missing.length > 0) problems.push(`${missing.length} key(s) of the snapshot missing, e.g. ${missing[0] ?? ''}`);
  return problems;
}

export interface ResourceChange {
  /** In the snapshot, not live: a restore brings them back. */
  wouldAdd: string[];
  /** Live, not in the snapshot: a restore loses them. */
  wouldRemove: string[];
  /** In both with different values: a restore puts the snapshot's value back. */
  wouldChange: string[];
}

export interface LiveComparison {
  liveRevision: number;
  liveKeys: number;
  totals: { wouldAdd: number; wouldRemove: number; wouldChange: number; unchanged: number };
  /** Resource types with a difference, sorted; keys sorted. */
  resources: Record<string, ResourceChange>;
}

/**
 * `snapshot` and `live.values` map each key to its value digest (valueDigest): a key in both
 * counts as unchanged only when the digests are equal.
 */
export function compareWithLive(snapshot: ReadonlyMap<string, string | undefined>, live: { revision: number; values: ReadonlyMap<string, string> }): LiveComparison {
  const by = new Map<string, ResourceChange>();
  const note = (key: string, kind: keyof ResourceChange): void => {
    const r = extractResource(key);
    let e = by.get(r);
    if (!e) by.set(r, (e = { wouldAdd: [], wouldRemove: [], wouldChange: [] }));
    e[kind].push(key);
  };
  let unchanged = 0;
  for (const [k, digest] of snapshot) {
    const now = live.values.get(k);
    if (now === undefined) note(k, 'wouldAdd');
    else if (digest !== undefined && digest === now) unchanged++;
    else note(k, 'wouldChange');
  }
  for (const k of live.values.keys()) if (!snapshot.has(k)) note(k, 'wouldRemove');
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const resources: Record<string, ResourceChange> = {};
  const totals = { wouldAdd: 0, wouldRemove: 0, wouldChange: 0, unchanged };
  for (const name of [...by.keys()].sort(cmp)) {
    const e = by.get(name) as ResourceChange;
    resources[name] = { wouldAdd: e.wouldAdd.sort(cmp), wouldRemove: e.wouldRemove.sort(cmp), wouldChange: e.wouldChange.sort(cmp) };
    totals.wouldAdd += e.wouldAdd.length;
    totals.wouldRemove += e.wouldRemove.length;
    totals.wouldChange += e.wouldChange.length;
  }
  return { liveRevision: live.revision, liveKeys: live.values.size, totals, resources };
}
