// Operator-facing use-cases: from files (or a run id) to an executed run. Each one loads and
// plans like `kubedr plan`, obtains secrets, opens a session (SSH, audit, reporter), checks host
// keys, then hands over to runPlan / resumeRun / rollbackRun. Plain option objects in, so tests
// call these directly as the CLI does.
import { isAbsolute, resolve } from 'node:path';
import type { RollbackPolicy } from '../engine/index.js';
import type { InventoryNode, Plan, Transport } from '../model/index.js';
import { loadNodes, loadRunInputs, paramFlagsOf } from './inputs.js';
import { plan as planFiles } from './plan.js';
import { resumeRun, type ResumeOutput } from './resume.js';
import { rollbackRun, type RollbackOutput } from './rollback.js';
import { runPlan, type RunOutput } from './run.js';
import type { Prompt } from './secrets.js';
import { openSession, sessionSecrets, type ReporterFactory, type SessionOptions } from './session.js';
import { loadSavedPlan, newRunId, resolveStateDir, runPaths, type ExecuteOptions, type Identity } from './state.js';
import type { Problem } from '../errors/index.js';

/** What every executing command takes besides its inputs. */
export interface OperateOptions {
  /** @default '.kubedr' in the working directory */
  stateDir?: string;
  /** `NAME=ENVVAR`: secret param NAME from environment variable ENVVAR. */
  paramFromEnv?: string[];
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** Interactive questions (secrets, approvals); absent without a terminal. */
  prompt?: Prompt;
  /** Each host key recorded under --accept-new-host-keys. */
  onHostKey?: SessionOptions['onHostKey'];
  /** Each approval question that could not be asked (no prompt, no --yes). */
  onUnasked?: (question: string) => void;
  /** Approve every confirmation (`--yes`). @default false */
  yes?: boolean;
  /** @default 16 */
  concurrency?: number;
  /** @default 'prompt' */
  rollback?: RollbackPolicy;
  /** @default false */
  acceptNewHostKeys?: boolean;
  sshConfigPath?: string;
  reporter?: ReporterFactory;
  signal?: AbortSignal;
  /** Called once the plan is built (warnings to show before anything connects). */
  onPlanned?: (info: { runId: string; plan: Plan; warnings: Problem[] }) => void;
  /** Test seams; production leaves them unset. */
  transport?: Transport;
  localTransport?: Transport;
  identity?: Identity;
  nodeLock?: ExecuteOptions['nodeLock'];
}

export interface RunFilesOptions extends OperateOptions {
  runbook: string;
  inventory: string;
  params?: string[];
  /** `--limit`: only these nodes' tasks (src/plan/limit.ts). */
  limit?: string;
  /** @default a new time-ordered id */
  runId?: string;
}

export async function runFiles(o: RunFilesOptions): Promise<RunOutput> {
  const inputs = await loadRunInputs({ runbook: o.runbook, inventory: o.inventory, params: o.params ?? [], ...(o.limit !== undefined ? { limit: o.limit } : {}) });
  const runId = o.runId ?? newRunId(Date.now());
  o.onPlanned?.({ runId, plan: inputs.plan, warnings: inputs.warnings });
  return withSession(o, inputs.plan, inputs.nodes, runId, (x) => runPlan({ ...x, plan: inputs.plan, runId }));
}

export interface ResumeFilesOptions extends OperateOptions {
  runId: string;
  /** @default the runbook the run started with */
  runbook?: string;
  /** @default the inventory the run started with */
  inventory?: string;
  /** Overrides of the run's params (`name=value`); the others keep the run's values. */
  params?: string[];
  assumeDone?: string[];
  rerun?: string[];
  /** @default false */
  forceChanged?: boolean;
}

export async function resumeFiles(o: ResumeFilesOptions): Promise<ResumeOutput> {
  const saved = await loadSavedPlan(runPaths(resolveStateDir(o.stateDir), o.runId).plan);
  const runbook = o.runbook ?? sourcePath(saved.runbook.source);
  const inventory = o.inventory ?? sourcePath(saved.inventory.source);
  // A limited run resumes limited the same way (the plan hash covers the limit).
  const out = await planFiles({ runbook, inventory, params: paramFlagsOf(saved, o.params ?? []), ...(saved.limit ? { limit: saved.limit.spec } : {}) });
  const nodes = await loadNodes(inventory, out.plan.inventory.hash);
  o.onPlanned?.({ runId: o.runId, plan: out.plan, warnings: out.warnings });
  return withSession(o, out.plan, nodes, o.runId, (x) =>
    resumeRun({ ...x, runId: o.runId, plan: out.plan, assumeDone: o.assumeDone ?? [], rerun: o.rerun ?? [], forceChanged: o.forceChanged ?? false }),
  );
}

export interface RollbackFilesOptions extends OperateOptions {
  runId: string;
  /** Where the nodes are reached. @default the inventory the run started with */
  inventory?: string;
  assumeDone?: string[];
  rerun?: string[];
  /** Accept an inventory that changed since the run started. @default false */
  forceChanged?: boolean;
}

export async function rollbackFiles(o: RollbackFilesOptions): Promise<RollbackOutput> {
  const saved = await loadSavedPlan(runPaths(resolveStateDir(o.stateDir), o.runId).plan);
  const nodes = await loadNodes(o.inventory ?? sourcePath(saved.inventory.source), o.forceChanged ? undefined : saved.inventory.hash);
  o.onPlanned?.({ runId: o.runId, plan: saved, warnings: [] });
  return withSession(o, saved, nodes, o.runId, (x) => rollbackRun({ ...x, runId: o.runId, assumeDone: o.assumeDone ?? [], rerun: o.rerun ?? [] }));
}

async function withSession<T>(o: OperateOptions, plan: Plan, nodes: InventoryNode[], runId: string, body: (x: ExecuteOptions) => Promise<T>): Promise<T> {
  const env = o.env ?? process.env;
  const secrets = await sessionSecrets(plan, nodes, o, env);
  const stateDir = resolveStateDir(o.stateDir);
  const session = openSession({
    plan,
    nodes,
    runId,
    runDir: runPaths(stateDir, runId).runDir,
    secrets,
    env,
    acceptNewHostKeys: o.acceptNewHostKeys ?? false,
    ...(o.sshConfigPath !== undefined ? { sshConfigPath: o.sshConfigPath } : {}),
    ...(o.reporter ? { reporter: o.reporter } : {}),
    ...(o.prompt ? { prompt: o.prompt } : {}),
    ...(o.onUnasked ? { onUnasked: o.onUnasked } : {}),
    ...(o.onHostKey ? { onHostKey: o.onHostKey } : {}),
    ...(o.transport ? { transport: o.transport } : {}),
    ...(o.localTransport ? { localTransport: o.localTransport } : {}),
  });
  try {
    await session.preflight();
    return await body({
      stateDir,
      secrets,
      transport: session.transport,
      localTransport: session.localTransport,
      sinks: session.sinks,
      approve: session.approve,
      onSecret: session.onSecret,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      yes: o.yes ?? false,
      ...(o.rollback ? { rollback: o.rollback } : {}),
      ...(o.identity ? { identity: o.identity } : {}),
      ...(o.nodeLock !== undefined ? { nodeLock: o.nodeLock } : {}),
    });
  } finally {
    await session.close();
  }
}

/** Plans record the paths they were given; a relative one is read from the current directory. */
function sourcePath(p: string): string {
  return isAbsolute(p) ? p : resolve(p);
}
