// Runs a built-in runbook against an inventory through the use-cases `kubedr run/resume/rollback`
// call (app/operate: plan, secrets, SSH session with host-key checks, audit sink, run lock,
// journal), auto-approved, so the lab tests and the demo exercise the whole pipeline in-process
// and can watch every event.
import { join } from 'node:path';
import { auditRun } from '../../src/app/audit.js';
import { resumeFiles, rollbackFiles, runFiles } from '../../src/app/operate.js';
import { plan } from '../../src/app/plan.js';
import { newRunId, resolveStateDir, runPaths } from '../../src/app/state.js';
import type { EventSink, RollbackPolicy, RunResult } from '../../src/engine/index.js';
import type { Plan, RunEvent } from '../../src/model/index.js';
import type { Reporter } from '../../src/reporters/index.js';

export const RUNBOOKS_DIR = join(import.meta.dirname, '..', '..', 'runbooks');
export const runbookPath = (name: string): string => join(RUNBOOKS_DIR, `${name}.yaml`);

export interface DriveOptions {
  runbook: string;
  inventory: string;
  params: Record<string, string>;
  stateDir: string;
  /** Progress consumers; the session adds the audit sink itself. */
  sinks?: EventSink[];
  /** A reporter built from the plan (listr2 needs the tree upfront); closed at the end. */
  reporter?: (plan: Plan) => Reporter;
  signal?: AbortSignal;
  /** @default 'auto' */
  rollback?: RollbackPolicy;
  runId?: string;
}

export interface Driven {
  runId: string;
  runDir: string;
  result: RunResult;
  events: RunEvent[];
}

export async function planOf(o: Pick<DriveOptions, 'runbook' | 'inventory' | 'params'>): Promise<Plan> {
  const out = await plan({ runbook: o.runbook, inventory: o.inventory, params: paramFlags(o.params) });
  return out.plan;
}

const paramFlags = (params: Record<string, string>): string[] => Object.entries(params).map(([k, v]) => `${k}=${v}`);

type Session = 'run' | 'resume' | 'rollback';

/** `kubedr run` (or `resume`/`rollback` of `o.runId`), auto-approved; returns every event. */
export async function drive(o: DriveOptions, session: Session = 'run'): Promise<Driven> {
  const stateDir = resolveStateDir(o.stateDir);
  const runId = o.runId ?? newRunId(Date.now());
  const events: RunEvent[] = [];
  const common = {
    stateDir,
    yes: true,
    rollback: o.rollback ?? 'auto',
    env: {},
    ...(o.signal ? { signal: o.signal } : {}),
    reporter: (p: Plan): Reporter => {
      const inner = o.reporter?.(p);
      return {
        onEvent: (e: RunEvent) => {
          events.push(e);
          for (const sink of o.sinks ?? []) sink(e);
          inner?.onEvent(e);
        },
        close: () => inner?.close() ?? Promise.resolve(),
      };
    },
  };
  let result: RunResult;
  if (session === 'run') result = (await runFiles({ ...common, runbook: o.runbook, inventory: o.inventory, params: paramFlags(o.params), runId })).result;
  else if (session === 'resume') result = (await resumeFiles({ ...common, runId })).result;
  else result = (await rollbackFiles({ ...common, runId })).result;
  return { runId, runDir: runPaths(stateDir, runId).runDir, result, events };
}

/** The audit grid as `kubedr audit` prints it, and the HTML report written beside it. */
export function auditOf(stateDir: string, runId: string): { text: string; report: string | undefined } {
  const r = auditRun({ runId, stateDir: resolveStateDir(stateDir), html: true });
  return { text: r.rendered, report: r.files[0] };
}
