// Reading the live keys of a selection through one etcd member, read-only: `etcdctl get
// PREFIX --prefix -w json` on the node with the inventory's client TLS. Keys and values travel
// base64-encoded inside etcdctl's JSON, so any byte (NUL, newline) arrives intact. Pure: the
// app runs the script and hands the output back here.
import { shellQuote as q } from '../../plan/quote.js';
import type { EtcdTls } from '../../model/index.js';
import { ObjectsError } from './errors.js';
import type { Selection } from './selector.js';
import type { StoredObject } from './snapshot-read.js';

export interface LiveRead {
  /** Live selected keys, sorted by key. */
  objects: Map<string, StoredObject>;
  /** Header revision of the last read (each prefix is read at its own revision). */
  revision: number;
}

/** `etcdctl` with the member's endpoint and client TLS, every value quoted. */
export function etcdctlBase(endpoint: string, tls: EtcdTls): string {
  return `ETCDCTL_API=3 etcdctl --endpoints ${q(endpoint)} --cacert ${q(tls.cacert)} --cert ${q(tls.cert)} --key ${q(tls.key)} --command-timeout 120s`;
}

/** One JSON document per line, one per prefix (or exact key), in the order given. */
export function liveReadScript(endpoint: string, tls: EtcdTls, prefixes: readonly string[], opts: { exact?: boolean } = {}): string {
  const base = etcdctlBase(endpoint, tls);
  const range = opts.exact ? '' : ' --prefix';
  // `--` so that a prefix can never be taken for a flag; `tr` keeps one document per line.
  return ['set -e', ...prefixes.map((p) => `out=$(${base} get${range} -w json -- ${q(p)}); printf '%s' "$out" | tr -d '\\n'; echo`)].join('\n');
}

interface RangeJson {
  header?: { revision?: number | string };
  kvs?: { key?: string; value?: string; create_revision?: number | string; mod_revision?: number | string; version?: number | string }[];
}

/** Parses liveReadScript's output, keeping the selected keys only. */
export function parseLiveRead(stdout: string, selection: Selection): LiveRead {
  const objects = new Map<string, StoredObject>();
  let revision = 0;
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    let doc: RangeJson;
    try {
      doc = JSON.parse(line) as RangeJson;
    } catch (cause) {
      throw new ObjectsError('OBJECTS_LIVE_READ_FAILED', `etcdctl get did not print JSON: ${line.slice(0, 120)}`, { cause });
    }
    revision = Math.max(revision, Number(doc.header?.revision ?? 0));
    for (const kv of doc.kvs ?? []) {
      const key = Buffer.from(kv.key ?? '', 'base64').toString('utf8');
      if (!selection.matches(key)) continue;
      objects.set(key, {
        key,
        value: Buffer.from(kv.value ?? '', 'base64'),
        createRevision: Number(kv.create_revision ?? 0),
        modRevision: Number(kv.mod_revision ?? 0),
        version: Number(kv.version ?? 0),
      });
    }
  }
  return { objects: new Map([...objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), revision };
}
