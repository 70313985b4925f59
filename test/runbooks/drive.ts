// Runs a built-in runbook against an inventory through the same use-cases `kubedr run/resume`
// call (app/plan → app/run | app/resume), with the real SSH transport and the audit sink, so the
// lab tests and the demo exercise the whole pipeline without depending on the CLI wiring.
import { join } from 'node:path';
import { auditRun } from '../../src/app/audit.js';
import { plan } from '../../src/app/plan.js';
import { resumeRun } from '../../src/app/resume.js';
import { rollbackRun } from '../../src/app/rollback.js';
import { runPlan } from '../../src/app/run.js';
import { newRunId, resolveStateDir, runPaths } from '../../src/app/state.js';
import { createAuditSink, operatorIdentity } from '../../src/audit/index.js';
import type { EventSink, RollbackPolicy, RunResult } from '../../src/engine/index.js';
import { loadInventory } from '../../src/inventory/index.js';
import type { Plan, RunEvent } from '../../src/model/index.js';
import { createLocalTransport, createSshTransport } from '../../src/transport/index.js';

export const RUNBOOKS_DIR = join(import.meta.dirname, '..', '..', 'runbooks');
export const runbookPath = (name: string): string => join(RUNBOOKS_DIR, `${name}.yaml`);

export interface DriveOptions {
  runbook: string;
  inventory: string;
  params: Record<string, string>;
  stateDir: string;
  /** Progress consumers (reporters); the audit sink is always added. */
  sinks?: EventSink[];
  signal?: AbortSignal;
  /** @default 'auto' */
  rollback?: RollbackPolicy;
  runId?: string;
}

export interface Driven {
  runId: string;
  runDir: string;
  plan: Plan;
  result: RunResult;
  events: RunEvent[];
}

export async function planOf(o: Pick<DriveOptions, 'runbook' | 'inventory' | 'params'>): Promise<Plan> {
  const out = await plan({ runbook: o.runbook, inventory: o.inventory, params: Object.entries(o.params).map(([k, v]) => `${k}=${v}`) });
  return out.plan;
}

type Session = 'run' | 'resume' | 'rollback';

/** `kubedr run` (or resume/rollback of `o.runId`) of a runbook, auto-approved, with audit. */
export async function drive(o: DriveOptions, session: Session = 'run'): Promise<Driven> {
  const p = await planOf(o);
  const inventory = await loadInventory(o.inventory);
  const stateDir = resolveStateDir(o.stateDir);
  const runId = o.runId ?? newRunId(Date.now());
  const runDir = runPaths(stateDir, runId).runDir;
  const audit = createAuditSink({ runDir, runId, who: operatorIdentity(), subject: { runbook: { name: p.runbook.name, hash: p.runbook.hash }, inventoryHash: p.inventory.hash } });
  const events: RunEvent[] = [];
  const transport = createSshTransport({ nodes: inventory.nodes });
  const common = {
    stateDir,
    transport,
    localTransport: createLocalTransport(),
    sinks: [(e: RunEvent) => events.push(e), (e: RunEvent) => audit.onEvent(e), ...(o.sinks ?? [])],
    approve: () => Promise.resolve(true),
    yes: true,
    rollback: o.rollback ?? 'auto',
    ...(o.signal ? { signal: o.signal } : {}),
  };
  try {
    let result: RunResult;
    if (session === 'run') result = (await runPlan({ ...common, plan: p, runId })).result;
    else if (session === 'resume') result = (await resumeRun({ ...common, plan: p, runId })).result;
    else result = (await rollbackRun({ ...common, runId })).result;
    return { runId, runDir, plan: p, result, events };
  } finally {
    audit.close();
    await transport.close();
  }
}

/** The audit grid as `kubedr audit` prints it, and the HTML report written beside it. */
export function auditOf(stateDir: string, runId: string): { text: string; report: string | undefined } {
  const r = auditRun({ runId, stateDir: resolveStateDir(stateDir), html: true });
  return { text: r.rendered, report: r.files[0] };
}
