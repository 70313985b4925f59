// `kubedr rehearse`: the plan as `kubedr run` would build it, but only read-only probes reach the
// nodes (built-in probes, then each step's `check`). It runs through the engine, so events,
// reporters and the audit log (mode 'rehearse') are those of any run, with three differences:
// - no run lock: nothing is changed, and a rehearsal during a run must not stop that run (nor
//   wait for it); the built-in node-lock probe reports a node that another run holds instead;
// - no node locks: creating /var/lib/kubedr/lock would itself change the node;
// - no journal: a rehearsal is not resumable, `kubedr resume <id>` refuses it (no plan.json).
import { stat } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { executePlan, type RunResult } from '../engine/index.js';
import { InputError, KubedrError, type Problem } from '../errors/index.js';
import { describeHolder, isPidAlive, lockIdFor, readLock, type JournalSink } from '../journal/index.js';
import { LOCAL_NODE, type Plan } from '../model/index.js';
import { readInventoryFile } from '../inventory/index.js';
import { readRunbookFile } from '../runbook/index.js';
import { refsOf } from '../plan/text.js';
import { textsOf } from '../engine/refs.js';
import { loadRunInputs } from './inputs.js';
import type { OperateOptions } from './operate.js';
import { deriveRehearsal, DEFAULT_PROBE_TIMEOUT_MS, probeStep, type RehearsalCell } from './rehearsal/derive.js';
import { builtinProbes, PROBE_PHASE } from './rehearsal/probes.js';
import { buildTable, type RehearsalTable } from './rehearsal/table.js';
import { openSession, sessionSecrets } from './session.js';
import { DEFAULT_NODE_LOCK_DIR, engineWiring, locksDir, newRunId, resolveStateDir, runPaths, type RunPaths } from './state.js';

export interface RehearseOptions extends OperateOptions {
  runbook: string;
  inventory: string;
  params?: string[];
  /** `--limit`: only these nodes' tasks (src/plan/limit.ts). */
  limit?: string;
  /** Certificates must stay valid at least this long. @default 7 days */
  certMinValiditySec?: number;
  /** Longest a single probe may take, `wait` checks included. @default 30000 */
  probeTimeoutMs?: number;
  runId?: string;
}

export interface RehearseOutput {
  runId: string;
  paths: RunPaths;
  table: RehearsalTable;
  result: RunResult;
  /** True when no cell is blocked. */
  ok: boolean;
}

const noJournal: JournalSink = { append: () => Promise.resolve() };

export async function rehearse(o: RehearseOptions): Promise<RehearseOutput> {
  const inputs = await loadRunInputs({ runbook: o.runbook, inventory: o.inventory, params: o.params ?? [], ...(o.limit !== undefined ? { limit: o.limit } : {}) });
  const inv = (await readInventoryFile(o.inventory)).inventory;
  if (!inv) throw new KubedrError('INVENTORY_INVALID', `inventory ${o.inventory} no longer validates`, { exitCode: 2 });
  const probeTimeoutMs = o.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const probes = builtinProbes({
    plan: inputs.plan,
    nodes: inputs.nodes,
    tls: inv.etcd.tls,
    certMinValiditySec: o.certMinValiditySec ?? 7 * 86_400,
    uploadSizes: await uploadSizes(inputs.plan),
    nodeLockDir: DEFAULT_NODE_LOCK_DIR,
    probeTimeoutMs,
  });
  const derived = deriveRehearsal(inputs.plan, probes, { probeTimeoutMs });
  if (derived.unsafe.length > 0) throw await unsafeChecks(o.runbook, derived.unsafe);
  const plan: Plan = { ...derived.plan, secretParams: secretsUsed(derived.plan) };
  const runId = o.runId ?? newRunId(Date.now());
  o.onPlanned?.({ runId, plan, warnings: inputs.warnings });
  const env = o.env ?? process.env;
  const secrets = await sessionSecrets(plan, inputs.nodes, o, env);
  const paths = runPaths(resolveStateDir(o.stateDir), runId);
  const session = openSession({
    plan,
    nodes: inputs.nodes,
    runId,
    runDir: paths.runDir,
    secrets,
    env,
    acceptNewHostKeys: o.acceptNewHostKeys ?? false,
    ...(o.sshConfigPath !== undefined ? { sshConfigPath: o.sshConfigPath } : {}),
    ...(o.reporter ? { reporter: o.reporter } : {}),
    ...(o.transport ? { transport: o.transport } : {}),
    ...(o.localTransport ? { localTransport: o.localTransport } : {}),
  });
  try {
    await session.preflight();
    const { deps, opts } = engineWiring({
      secrets,
      transport: session.transport,
      localTransport: session.localTransport,
      sinks: session.sinks,
      approve: () => Promise.resolve(false),
      nodeLock: false,
      rollback: 'never',
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      ...(o.identity ? { identity: o.identity } : {}),
    }, noJournal, runId, 'rehearse');
    const lock = await runLockCell(resolveStateDir(o.stateDir), plan.inventory.cluster);
    const result = await executePlan(plan, deps, opts);
    const lockRow = probeStep({ id: lock.stepId, name: 'no run holds the cluster (run lock on this machine)', phase: PROBE_PHASE, timeoutMs: probeTimeoutMs }, [], probeTimeoutMs);
    const rows = [{ name: PROBE_PHASE, steps: [lockRow, ...probes.flatMap((p) => p.steps)] }];
    const table = buildTable(inputs.plan, rows, [lock, ...derived.decided], result.tasks);
    return { runId, paths, table, result, ok: table.counts.blocked === 0 && result.outcome === 'done' };
  } finally {
    await session.close();
  }
}

/**
 * The rehearsal does not take the run lock (it changes nothing, and must not block or wait for a
 * real run), but a run started now would be refused while a live process holds it: say so.
 */
async function runLockCell(stateDir: string, cluster: string): Promise<RehearsalCell> {
  const holder = await readLock(join(locksDir(stateDir), `${lockIdFor(cluster)}.lock`));
  const cell = { stepId: 'kubedr-run-lock', node: LOCAL_NODE };
  if (!holder) return { ...cell, state: 'would-run' };
  if (holder.host === hostname() && !isPidAlive(holder.pid)) return { ...cell, state: 'would-run', reason: `stale lock of a dead process: ${describeHolder(holder)}` };
  return { ...cell, state: 'blocked', reason: `a run holds the cluster: ${describeHolder(holder)}` };
}

/** Secret params the probes really use; the others are not asked for. */
function secretsUsed(plan: Plan): string[] {
  const refs = new Set(plan.phases.flatMap((p) => p.steps).flatMap((s) => s.tasks).flatMap((t) => textsOf(t.action).flatMap(refsOf)));
  return plan.secretParams.filter((n) => refs.has(`params.${n}`));
}

async function uploadSizes(plan: Plan): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of plan.phases.flatMap((p) => p.steps).flatMap((s) => s.tasks)) {
    if (t.action.kind !== 'upload' || t.action.src.parts.some((p) => p.t === 'ref')) continue;
    const src = t.action.src.parts.map((p) => (p.t === 'lit' ? p.v : '')).join('');
    const path = src.startsWith('~/') ? `${homedir()}${src.slice(1)}` : src;
    const size = await stat(path).then((s) => s.size, () => undefined);
    if (size !== undefined) out.set(src, size);
  }
  return out;
}

/** A check that transfers or edits files would change the node: refuse before connecting. */
async function unsafeChecks(runbook: string, unsafe: { stepId: string; kind: string }[]): Promise<InputError> {
  const rb = await readRunbookFile(runbook);
  const steps = new Map((rb.runbook?.phases ?? []).flatMap((p) => p.steps).map((s) => [s.id, s]));
  const problems: Problem[] = unsafe.map((u) => {
    const step = steps.get(u.stepId);
    const pos = step ? rb.locate([...(rb.stepPaths.get(step) ?? []), 'check'], { key: true }) : undefined;
    return {
      code: 'REHEARSE_CHECK_NOT_READ_ONLY',
      message: `step "${u.stepId}" has a check of kind ${u.kind}; a rehearsal runs only read-only checks (shell, wait, capture, local)`,
      hint: 'make the check a command that only looks (test -f, sha256sum, etcdctl endpoint health …)',
      severity: 'error',
      ...(pos ? { pos } : {}),
    };
  });
  return new InputError(problems, `${problems.length} check(s) would change a node`);
}
