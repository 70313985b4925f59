// `kubedr drill`: proves a snapshot restores, without touching the live cluster. On one node (over
// SSH) or on this machine: restore into a scratch dir, start a throwaway etcd on free loopback
// ports, check health, revision and keys against the snapshot itself (read in TypeScript), and
// optionally compare its keys with the live cluster's (read-only). The scratch dir and the
// throwaway etcd are always removed, also after a failure. Recorded in the audit (mode 'drill').
import { randomBytes } from 'node:crypto';
import { createAuditSink, operatorIdentity } from '../audit/index.js';
import type { EventSink } from '../engine/index.js';
import { compareWithLive, verifyRestored, type EtcdQuery, type LiveComparison } from '../etcd/drill/compare.js';
import type { DrillPorts } from '../etcd/drill/scripts.js';
import { KubedrError } from '../errors/index.js';
import { LOCAL_NODE, type Transport } from '../model/index.js';
import { DrillRecorder } from './drill-record.js';
import { detectTools, makeScratch, readLiveKeysOn, readSnapshotFacts, restoreAndStart, queryRestored, resolveDrillTarget, teardown, type SnapshotFacts } from './drill-steps.js';
import { newRunId, resolveStateDir, runPaths } from './state.js';

/** Where a drill (or its cleanup) runs and how it is recorded; shared by `drill` and `drillCleanup`. */
export interface DrillMachineOptions {
  /** Needed with `node` and `compareLive`. */
  inventory?: string;
  /** Run on this inventory node (over SSH)… */
  node?: string;
  /** …or on this machine. */
  local?: boolean;
  /** Where scratch dirs are made on the drill machine. @default '/var/tmp' */
  scratchBase?: string;
  /** @default '.kubedr' */
  stateDir?: string;
  env?: Record<string, string | undefined>;
  acceptNewHostKeys?: boolean;
  sshConfigPath?: string;
  /** Progress, besides the audit log. */
  sinks?: EventSink[];
  runId?: string;
  /** Test seams. */
  transport?: Transport;
  localTransport?: Transport;
}

export interface DrillOptions extends DrillMachineOptions {
  /** Snapshot file on this machine. */
  snapshot: string;
  /** Also read the live cluster's keys (read-only) and report what a restore would add or remove. */
  compareLive?: boolean;
  /** How long the throwaway etcd may take to become healthy. @default 60000 */
  startTimeoutMs?: number;
  /** Stops after the running stage; the teardown still runs. */
  signal?: AbortSignal;
  pickPorts?: () => DrillPorts;
}

export interface DrillOutput {
  runId: string;
  ok: boolean;
  /** Node name, or '@local'. */
  where: string;
  snapshot: SnapshotFacts;
  restored?: EtcdQuery & { tool: string; ports: DrillPorts; keyCount: number };
  /** Why the restored etcd does not match the snapshot (empty when it does). */
  problems: string[];
  compare?: LiveComparison;
  stages: DrillRecorder['stages'];
  /** The scratch dir and throwaway etcd are gone (or were never made). */
  cleanedUp: boolean;
}

export async function drill(o: DrillOptions): Promise<DrillOutput> {
  const env = o.env ?? process.env;
  const target = await resolveDrillTarget(o, env);
  const runId = o.runId ?? newRunId(Date.now());
  const paths = runPaths(resolveStateDir(o.stateDir), runId);
  const snapshotFacts = await readSnapshotFacts(o.snapshot, { digests: o.compareLive ?? false });
  const audit = createAuditSink({
    runDir: paths.runDir,
    runId,
    who: operatorIdentity(env),
    subject: { runbook: { name: 'restore-drill', hash: snapshotFacts.sha256 }, ...(target.inventoryHash ? { inventoryHash: target.inventoryHash } : {}) },
  });
  const rec = new DrillRecorder([(e) => audit.onEvent(e), ...(o.sinks ?? [])], Date.now, runId, o.signal);
  const out: DrillOutput = { runId, ok: false, where: target.where, snapshot: snapshotFacts, problems: [], stages: rec.stages, cleanedUp: true };
  rec.start({ planHash: snapshotFacts.sha256, runbook: 'restore-drill', cluster: target.cluster });
  let scratch: string | undefined;
  try {
    await rec.stage('inspect-snapshot', LOCAL_NODE, 'read the snapshot in TypeScript', () => Promise.resolve({ value: undefined, detail: `revision ${snapshotFacts.revision}, ${snapshotFacts.liveKeys.size} live keys, integrity ${snapshotFacts.integrity}` }));
    if (snapshotFacts.integrity === 'mismatch') throw new KubedrError('DRILL_SNAPSHOT_CORRUPT', `${o.snapshot}: the integrity hash does not match`);
    const tool = await rec.stage('tools', target.where, 'detect etcd tools', () => detectTools(target));
    scratch = await rec.stage('scratch', target.where, 'make a scratch dir', () => makeScratch(target, o.scratchBase ?? '/var/tmp', snapshotFacts.size));
    const dir = scratch;
    await rec.stage('upload', target.where, 'copy the snapshot into the scratch dir', async () => {
      const r = await target.transport.upload(target.node, o.snapshot, `${dir}/snapshot.db`, { sudo: false, mode: 0o600 });
      return { value: undefined, detail: `${r.bytes} bytes, sha256 ${r.sha256}` };
    });
    const ports = await rec.stage('restore-start', target.where, 'snapshot restore + throwaway etcd', () =>
      restoreAndStart(target, tool, dir, `kubedr-drill-${runId}`, o.startTimeoutMs ?? 60_000, o.pickPorts ?? randomPorts));
    const got = await rec.stage('query', target.where, 'health, revision and keys of the throwaway etcd', () => queryRestored(target, ports));
    out.restored = { ...got, tool, ports, keyCount: got.keys.length };
    out.problems = verifyRestored(got, { revision: snapshotFacts.revision, liveKeys: snapshotFacts.liveKeys });
    await rec.stage('verify', target.where, 'compare with the snapshot status', () => {
      if (out.problems.length > 0) throw new Error(out.problems.join('; '));
      return Promise.resolve({ value: undefined, detail: `revision ${got.revision} and ${got.keys.length} keys match the snapshot` });
    }).catch(() => undefined);
    if (o.compareLive) {
      const live = target.live;
      if (!live) throw new KubedrError('DRILL_NO_LIVE', 'no etcd member in the inventory to compare with', { exitCode: 2 });
      const keys = await rec.stage('compare-live', live.node, 'read the live keys and values (read-only)', () => readLiveKeysOn(live));
      out.compare = compareWithLive(snapshotFacts.digests ?? new Map(), keys);
    }
    out.ok = out.problems.length === 0;
  } catch (err) {
    out.ok = false;
    if (!(err instanceof Error && err.name === 'StageFailed')) out.problems.push(err instanceof Error ? err.message : String(err));
    else out.problems.push(err.message);
  } finally {
    if (scratch !== undefined) {
      const dir = scratch;
      out.cleanedUp = await rec.stage('teardown', target.where, 'stop the throwaway etcd, remove the scratch dir', () => teardown(target, dir)).then(() => true, () => false);
      if (!out.cleanedUp) out.ok = false;
    }
    rec.end(out.ok ? 'done' : o.signal?.aborted ? 'aborted' : 'failed');
    audit.close();
    await target.close();
  }
  return out;
}

/** Two distinct ports in 20000–59999; collisions are caught on the machine and retried. */
function randomPorts(): DrillPorts {
  const n = randomBytes(4);
  const client = 20_000 + (n.readUInt16BE(0) % 40_000);
  let peer = 20_000 + (n.readUInt16BE(2) % 40_000);
  if (peer === client) peer = client === 59_999 ? 20_000 : client + 1;
  return { client, peer };
}
