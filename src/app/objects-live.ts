// The live side of `objects diff|restore` and of their rollback: one etcd member of the
// inventory, reached over SSH, where etcdctl runs with the inventory's client TLS (as root: the
// keys are root-only on a kubeadm node). Reads are `etcdctl get`; writes are guarded `etcdctl
// txn`s whose text goes on stdin, never into argv or a shell word.
import {
  batchWrites, etcdctlBase, liveReadScript, ObjectsError, objectInfo, parseLiveRead, parseTxnResults, txnScript, txnStdin, txnText,
  type GuardedWrite, type LiveRead, type Selection, type StoredObject, type TxnResult,
} from '../etcd/objects/index.js';
import { loadInventory } from '../inventory/index.js';
import type { EtcdTls, InventoryNode, Transport } from '../model/index.js';
import { TransportError, type SshTransport } from '../transport/index.js';
import { nodeTransport } from './ssh.js';

export interface LiveTargetOptions {
  inventory: string;
  /** The etcd member to go through. @default the first etcd node of the inventory */
  node?: string;
  /** @default false */
  acceptNewHostKeys?: boolean;
  sshConfigPath?: string;
  env?: Record<string, string | undefined>;
  /** Test seam. */
  transport?: Transport;
}

export interface LiveTarget {
  transport: Transport;
  node: string;
  endpoint: string;
  tls: EtcdTls;
  cluster: string;
  inventoryHash: string;
  close(): Promise<void>;
}

const bad = (message: string, hint: string): ObjectsError => new ObjectsError('OBJECTS_BAD_TARGET', message, { hint });

export async function openLiveTarget(o: LiveTargetOptions): Promise<LiveTarget> {
  const inv = await loadInventory(o.inventory);
  const members = inv.nodes.filter((n): n is InventoryNode & { etcd: NonNullable<InventoryNode['etcd']> } => n.etcd !== undefined);
  const node = o.node === undefined ? members[0] : members.find((n) => n.name === o.node);
  if (!node) {
    throw o.node === undefined
      ? bad(`${o.inventory} has no etcd member`, 'give the etcd role to the nodes that run etcd')
      : bad(`--node ${o.node} is not an etcd member of ${o.inventory}`, `etcd members: ${members.map((n) => n.name).join(', ') || 'none'}`);
  }
  const env = o.env ?? process.env;
  const transport = o.transport ?? nodeTransport({ nodes: [node], env, acceptNewHostKeys: o.acceptNewHostKeys, sshConfigPath: o.sshConfigPath });
  if ('connect' in transport) {
    try {
      await (transport as SshTransport).connect(node.name);
    } catch (err) {
      await transport.close();
      // An unknown or changed host key is the operator's decision (exit 2), like every command.
      if (err instanceof TransportError) throw new ObjectsError(err.code.startsWith('TRANSPORT_HOST_KEY') ? 'OBJECTS_BAD_TARGET' : 'OBJECTS_LIVE_READ_FAILED', err.message, { cause: err, ...(err.hint ? { hint: err.hint } : {}) });
      throw err;
    }
  }
  return {
    transport, node: node.name, endpoint: node.etcd.clientURL, tls: inv.etcd.tls, cluster: inv.cluster.name, inventoryHash: inv.hash,
    close: () => transport.close(),
  };
}

async function exec(t: LiveTarget, script: string, what: string, stdin?: string): Promise<string> {
  const r = await t.transport.exec(t.node, script, { sudo: true, timeoutMs: 600_000, ...(stdin === undefined ? {} : { stdin }) });
  if (r.exitCode !== 0) {
    const why = r.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new ObjectsError('OBJECTS_LIVE_READ_FAILED', `${what} on ${t.node} (${t.endpoint}) failed with exit ${r.exitCode}: ${why}`, {
      hint: 'check that etcdctl is installed on the node and that the inventory\'s etcd TLS paths (etcd.tls) are right',
    });
  }
  return r.stdout;
}

/** The live selected keys with their values, read-only. */
export async function readLive(t: LiveTarget, selection: Selection): Promise<LiveRead> {
  return parseLiveRead(await exec(t, liveReadScript(t.endpoint, t.tls, selection.readPrefixes), 'reading the live keys'), selection);
}

/** uid of each of `keys` found live (undefined when it has none); absent keys are not in the map. */
export async function liveUids(t: LiveTarget, keys: readonly string[]): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  if (keys.length === 0) return out;
  for (const [key, o] of await readKeys(t, keys)) out.set(key, objectInfo(o.value).uid);
  return out;
}

/** stdin per exec stays well below what a shell variable comfortably holds. */
const MAX_STDIN = 8 * 1024 * 1024;

/** Runs transactions in order, a few execs in all; one result per transaction. */
export async function runTxns(t: LiveTarget, texts: readonly string[]): Promise<TxnResult[]> {
  const results: TxnResult[] = [];
  let chunk: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const stdin = txnStdin(chunk);
    const r = await t.transport.exec(t.node, txnScript(etcdctlBase(t.endpoint, t.tls)), { sudo: true, timeoutMs: 600_000, stdin });
    results.push(...parseTxnResults(r.stdout, chunk.length));
    chunk = [];
    size = 0;
  };
  for (const text of texts) {
    const n = Math.ceil((text.length * 4) / 3) + 1;
    if (size + n > MAX_STDIN) await flush();
    chunk.push(text);
    size += n;
  }
  await flush();
  return results;
}

export type WriteOutcome = { outcome: 'done'; revision: number } | { outcome: 'skipped' } | { outcome: 'unknown'; exitCode: number };

/**
 * Applies guarded writes: batches first (one txn per ≤100 keys); a batch whose guard failed
 * wrote nothing, so its keys are retried one txn each, which tells which key changed. A batch
 * etcdctl did not report on (exit ≠ 0: a timeout, or a cluster with a lower --max-txn-ops) is
 * read back: keys that hold what was written are done, the others are retried one by one. A
 * single txn without a report stays `unknown` (rollback then guards on the exact bytes).
 */
export interface BatchLimits {
  /** Writes per transaction (etcd's --max-txn-ops is 128 by default). @default 100 */
  maxOps?: number;
  /** Request bytes per transaction (etcd refuses requests over 1.5 MiB by default). @default 1000000 */
  maxBytes?: number;
}

export async function applyGuardedWrites(
  t: LiveTarget, writes: readonly GuardedWrite[], onResults?: (w: readonly GuardedWrite[], r: readonly WriteOutcome[]) => Promise<void>, limits: BatchLimits = {},
): Promise<Map<GuardedWrite, WriteOutcome>> {
  const out = new Map<GuardedWrite, WriteOutcome>();
  const batches = batchWrites(writes, limits.maxOps ?? 100, limits.maxBytes ?? 1_000_000);
  const first = await runTxns(t, batches.map(txnText));
  const retry: GuardedWrite[] = [];
  const unreported: GuardedWrite[] = [];
  for (const [i, batch] of batches.entries()) {
    const r = first[i] ?? { exitCode: -1, succeeded: false, revision: 0 };
    if (r.exitCode !== 0 && batch.length === 1) out.set(batch[0] as GuardedWrite, { outcome: 'unknown', exitCode: r.exitCode });
    else if (r.exitCode !== 0) unreported.push(...batch);
    else if (r.succeeded) for (const w of batch) out.set(w, { outcome: 'done', revision: r.revision });
    else if (batch.length === 1) out.set(batch[0] as GuardedWrite, { outcome: 'skipped' });
    else retry.push(...batch);
  }
  if (unreported.length > 0) {
    const live = await readKeys(t, unreported.map((w) => w.write.key));
    for (const w of unreported) {
      const l = live.get(w.write.key);
      const applied = w.write.op === 'put' ? l?.value.equals(w.write.value) === true : l === undefined;
      if (applied) out.set(w, { outcome: 'done', revision: l?.modRevision ?? 0 });
      else retry.push(w);
    }
  }
  const decided = writes.filter((w) => out.has(w));
  if (onResults) await onResults(decided, decided.map((w) => out.get(w) as WriteOutcome));
  if (retry.length > 0) {
    const single = await runTxns(t, retry.map((w) => txnText([w])));
    const outcomes = retry.map((w, i): WriteOutcome => {
      const r = single[i] ?? { exitCode: -1, succeeded: false, revision: 0 };
      return r.exitCode !== 0 ? { outcome: 'unknown', exitCode: r.exitCode } : r.succeeded ? { outcome: 'done', revision: r.revision } : { outcome: 'skipped' };
    });
    retry.forEach((w, i) => out.set(w, outcomes[i] as WriteOutcome));
    if (onResults) await onResults(retry, outcomes);
  }
  return out;
}

/** The live bytes and revisions of exact keys (absent keys are not in the map). */
async function readKeys(t: LiveTarget, keys: readonly string[]): Promise<Map<string, StoredObject>> {
  const all: Selection = { matches: () => true, readPrefixes: [], describe: [] };
  return parseLiveRead(await exec(t, liveReadScript(t.endpoint, t.tls, keys, { exact: true }), 'reading keys back'), all).objects;
}
