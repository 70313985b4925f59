// The stages of a drill on its machine: each runs one script from src/etcd/drill and turns its
// output into a value and a one-line detail for the audit log; a non-zero exit throws.
import { hostname } from 'node:os';
import { parseQuery, parseValuesJson, type EtcdQuery } from '../etcd/drill/compare.js';
import {
  DETECT_TOOLS_SCRIPT, listScratchScript, NO_SCRATCH_BASE, liveKeysScript, makeScratchScript, PORTS_TAKEN_EXIT, queryScript, restoreScript, startScript, teardownScript, type DrillPorts,
} from '../etcd/drill/scripts.js';
import { inspectSource, openFileSource, readLiveKeys, type IntegrityVerdict } from '../etcd/snapshot/index.js';
import { KubedrError } from '../errors/index.js';
import { readInventoryFile } from '../inventory/index.js';
import { LOCAL_NODE, type EtcdTls, type InventoryNode, type Transport } from '../model/index.js';
import { createLocalTransport, hashFile, TransportError, type SshTransport } from '../transport/index.js';
import { nodeTransport } from './ssh.js';

export interface SnapshotFacts {
  file: string;
  size: number;
  sha256: string;
  revision: number;
  integrity: IntegrityVerdict;
  liveKeys: Set<string>;
  /** Value digest per live key, read only for --compare-live. */
  digests?: Map<string, string | undefined>;
}

/** Revision and live key set of the snapshot, read in TypeScript (no etcd binary involved). */
export async function readSnapshotFacts(file: string, opts: { digests?: boolean } = {}): Promise<SnapshotFacts> {
  // The sha256 (a streamed read of the whole file, on a worker thread when it is big) runs
  // while the snapshot's pages are walked here.
  const digest = hashFile(file);
  digest.catch(() => undefined); // awaited below
  const source = openFileSource(file);
  try {
    const status = inspectSource(source);
    const live = readLiveKeys(source, { skipHashCheck: true, digests: opts.digests ?? false });
    const { sha256, bytes } = await digest;
    const facts: SnapshotFacts = { file, size: bytes, sha256, revision: status.revision, integrity: status.integrity.verdict, liveKeys: new Set(live.keyspace.live.keys()) };
    if (opts.digests) facts.digests = new Map([...live.keyspace.live].map(([k, v]) => [k, v.digest]));
    return facts;
  } finally {
    source.close();
  }
}

export interface DrillMachine {
  transport: Transport;
  node: string;
}

export interface DrillTarget extends DrillMachine {
  where: string;
  cluster: string;
  inventoryHash?: string;
  /** Where live keys are read (an etcd member), with the inventory's client TLS paths. */
  live?: DrillMachine & { endpoint: string; tls: EtcdTls };
  close(): Promise<void>;
}

interface TargetOptions {
  inventory?: string;
  node?: string;
  local?: boolean;
  compareLive?: boolean;
  acceptNewHostKeys?: boolean;
  sshConfigPath?: string;
  transport?: Transport;
  localTransport?: Transport;
}

const bad = (message: string, hint?: string): KubedrError => new KubedrError('DRILL_BAD_TARGET', message, { exitCode: 2, ...(hint ? { hint } : {}) });

export async function resolveDrillTarget(o: TargetOptions, env: Record<string, string | undefined>): Promise<DrillTarget> {
  if ((o.node === undefined) === (o.local !== true)) throw bad('say where the drill runs: --node NAME or --local (one of them)');
  if ((o.node !== undefined || o.compareLive) && o.inventory === undefined) throw bad('--node and --compare-live need the inventory (-i)');
  const inv = o.inventory === undefined ? undefined : (await readInventoryFile(o.inventory)).inventory;
  if (o.inventory !== undefined && !inv) throw new KubedrError('INVENTORY_INVALID', `inventory ${o.inventory} does not validate`, { hint: 'run `kubedr validate` on it', exitCode: 2 });
  const nodes: InventoryNode[] = inv?.nodes ?? [];
  const chosen = o.node === undefined ? undefined : nodes.find((n) => n.name === o.node);
  if (o.node !== undefined && !chosen) throw bad(`node ${o.node} is not in ${o.inventory ?? ''}`, `nodes: ${nodes.map((n) => n.name).join(', ')}`);
  const member = chosen?.etcd ? chosen : nodes.find((n) => n.etcd);
  const used = [chosen, o.compareLive ? member : undefined].filter((n): n is InventoryNode => n !== undefined);
  const ssh = used.length === 0 ? undefined : (o.transport ?? nodeTransport({ nodes: used, env, acceptNewHostKeys: o.acceptNewHostKeys, sshConfigPath: o.sshConfigPath }));
  const local = o.localTransport ?? createLocalTransport();
  if (ssh && 'connect' in ssh) await Promise.all(used.map((n) => hostKeyCheck(ssh as SshTransport, n.name)));
  const machine: DrillMachine = chosen && ssh ? { transport: ssh, node: chosen.name } : { transport: local, node: LOCAL_NODE };
  return {
    ...machine,
    where: machine.node,
    cluster: inv?.cluster.name ?? 'local',
    ...(inv ? { inventoryHash: inv.hash } : {}),
    ...(o.compareLive && member?.etcd && ssh && inv ? { live: { transport: ssh, node: member.name, endpoint: member.etcd.clientURL, tls: inv.etcd.tls } } : {}),
    close: async () => void (await Promise.all([ssh?.close(), local.close()])),
  };
}

/** Unknown or changed host keys refuse the drill (exit 2); other failures surface in a stage. */
async function hostKeyCheck(t: SshTransport, node: string): Promise<void> {
  try {
    await t.connect(node);
  } catch (err) {
    if (err instanceof TransportError && err.code.startsWith('TRANSPORT_HOST_KEY')) throw new KubedrError(err.code, err.message, { exitCode: 2, ...(err.hint ? { hint: err.hint } : {}) });
  }
}

async function run(m: DrillMachine, script: string, opts: { sudo?: boolean; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await m.transport.exec(m.node, script, { sudo: opts.sudo ?? false, timeoutMs: opts.timeoutMs ?? 120_000 });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

function failed(what: string, r: { code: number; stderr: string; stdout: string }): Error {
  const why = r.stderr.trim().split('\n').slice(-3).join(' | ') || r.stdout.trim().split('\n').at(-1) || '';
  return new Error(`${what} failed (exit ${r.code}): ${why}`);
}

export async function detectTools(m: DrillMachine): Promise<{ value: 'etcdctl' | 'etcdutl'; detail: string }> {
  const r = await run(m, DETECT_TOOLS_SCRIPT);
  if (r.code !== 0) throw failed('tool detection', r);
  const tool = /tool=(etcdutl|etcdctl)/.exec(r.stdout)?.[1] === 'etcdutl' ? 'etcdutl' : 'etcdctl';
  return { value: tool, detail: r.stdout.trim().replace(/\n/g, ', ') };
}

/** Written into every scratch dir: which kubedr process runs the drill. */
export const drillOwner = (): string => `${hostname()} ${process.pid}`;

export async function makeScratch(m: DrillMachine, base: string, bytes: number): Promise<{ value: string; detail: string }> {
  const r = await run(m, makeScratchScript(base, bytes, drillOwner()));
  const dir = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.code !== 0 || dir === '') throw failed('making the scratch dir', r);
  return { value: dir, detail: dir };
}

/** Restores, then starts; if the ports were taken meanwhile, restores again with new ones (5 tries). */
export async function restoreAndStart(m: DrillMachine, tool: 'etcdctl' | 'etcdutl', scratch: string, token: string, waitMs: number, pick: () => DrillPorts): Promise<{ value: DrillPorts; detail: string }> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const ports = pick();
    const restored = await run(m, restoreScript(tool, scratch, attempt, ports, token), { timeoutMs: 1_800_000 });
    if (restored.code !== 0) throw failed(`${tool} snapshot restore`, restored);
    const started = await run(m, startScript(scratch, attempt, ports, waitMs), { timeoutMs: waitMs + 30_000 });
    if (started.code === PORTS_TAKEN_EXIT) continue;
    if (started.code !== 0) throw failed('starting the throwaway etcd', started);
    const pid = /pid=(\d+)/.exec(started.stdout)?.[1] ?? '?';
    return { value: ports, detail: `restored with ${tool}; etcd pid ${pid} on 127.0.0.1:${ports.client} (peer ${ports.peer}), attempt ${attempt}` };
  }
  throw new Error('no free pair of loopback ports after 5 attempts');
}

export async function queryRestored(m: DrillMachine, ports: DrillPorts): Promise<{ value: EtcdQuery; detail: string }> {
  const r = await run(m, queryScript(ports));
  if (r.code !== 0) throw failed('querying the throwaway etcd', r);
  const q = parseQuery(r.stdout);
  return { value: q, detail: `healthy ${String(q.healthy)}, revision ${q.revision}, ${q.keys.length} keys` };
}

export async function readLiveKeysOn(live: NonNullable<DrillTarget['live']>): Promise<{ value: { revision: number; values: Map<string, string> }; detail: string }> {
  const r = await run(live, liveKeysScript(live.endpoint, live.tls), { sudo: true });
  if (r.code !== 0) throw failed(`reading live keys from ${live.endpoint}`, r);
  const v = parseValuesJson(r.stdout, 'live get');
  return { value: v, detail: `${v.values.size} live keys at revision ${v.revision} from ${live.endpoint}` };
}

/** Drill scratch dirs under `base` on the machine, with the owner each one records. */
export async function listScratch(m: DrillMachine, base: string): Promise<{ dir: string; owner?: { host: string; pid: number } }[]> {
  const r = await run(m, listScratchScript(base));
  if (r.code === NO_SCRATCH_BASE) throw new Error(`${r.stderr.trim()}: give the --scratch the drills used (default /var/tmp)`);
  if (r.code !== 0) throw failed(`listing drill scratch dirs in ${base}`, r);
  return r.stdout.split('\n').filter((l) => l.includes('\t')).map((l) => {
    const [dir = '', owner = ''] = l.split('\t');
    const id = /^(\S+) (\d+)$/.exec(owner.trim());
    return id ? { dir, owner: { host: id[1] ?? '', pid: Number(id[2]) } } : { dir };
  });
}

export async function teardown(m: DrillMachine, scratch: string): Promise<{ value: string; detail: string }> {
  const r = await run(m, teardownScript(scratch));
  if (r.code !== 0) throw failed('teardown', r);
  const detail = r.stdout.trim().replace(/\n/g, '; ');
  return { value: detail, detail };
}
