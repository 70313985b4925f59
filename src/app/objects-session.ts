// What an object restore and its rollback share: the run lock of the cluster (no runbook and no
// other restore runs against it meanwhile), the audit log of the run dir (hash-chained, the same
// records as a runbook run: `kubedr runs`, `kubedr audit RUN_ID` show it) and progress sinks.
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { createAuditSink, operatorIdentity, type AuditSink } from '../audit/index.js';
import { acquireRunLock, releaseRunLock, type RunLock } from '../journal/index.js';
import type { RunEvent, RunMode, TaskOutcome } from '../model/index.js';
import { locksDir, runPaths } from './state.js';

export const OBJECTS_RUNBOOK = 'objects-restore';

export type ObjectsEventSink = (event: RunEvent) => void;

export interface ObjectsSessionOptions {
  stateDir: string;
  runId: string;
  mode: RunMode;
  cluster: string;
  inventory: string;
  inventoryHash: string;
  /** Digest of what the session will do (the audit's planHash). */
  planHash: string;
  env: Record<string, string | undefined>;
  sinks: ObjectsEventSink[];
  now: () => number;
}

export interface ObjectsSession {
  runDir: string;
  operator: string;
  emit(event: RunEvent): void;
  /** task-start + task-end of one key (stepId `<action> <key>`, node = the etcd member). */
  keyEvent(stepId: string, node: string, outcome: TaskOutcome, startedAt: number, error?: string): void;
  end(outcome: 'done' | 'failed' | 'rolled-back' | 'aborted'): void;
  close(): Promise<void>;
}

export async function openObjectsSession(o: ObjectsSessionOptions): Promise<ObjectsSession> {
  const { runDir } = runPaths(o.stateDir, o.runId);
  const who = operatorIdentity(o.env as NodeJS.ProcessEnv);
  const user = safe(() => userInfo().username, 'unknown');
  const host = hostname();
  const lock: RunLock = await acquireRunLock({
    locksDir: locksDir(o.stateDir),
    host,
    holder: { user, host, pid: process.pid, runId: o.runId, since: new Date(o.now()).toISOString(), cluster: o.cluster, inventorySource: o.inventory, inventoryHash: o.inventoryHash },
  });
  let audit: AuditSink;
  try {
    audit = createAuditSink({ runDir, runId: o.runId, who, subject: { runbook: { name: OBJECTS_RUNBOOK, hash: o.planHash }, inventoryHash: o.inventoryHash } });
  } catch (err) {
    await releaseRunLock(lock);
    throw err;
  }
  const at = (): string => new Date(o.now()).toISOString();
  const emit = (event: RunEvent): void => {
    audit.onEvent(event);
    for (const s of o.sinks) s(event);
  };
  const started = o.now();
  emit({ kind: 'run-start', runId: o.runId, mode: o.mode, planHash: o.planHash, runbook: OBJECTS_RUNBOOK, cluster: o.cluster, at: at() });
  return {
    runDir,
    operator: `${user}@${host}`,
    emit,
    keyEvent(stepId, node, outcome, startedAt, error) {
      // The digest names the step, never a value (a Secret's bytes must not be guessable from it).
      emit({ kind: 'task-start', stepId, node, attempt: 1, commandDigest: createHash('sha256').update(stepId).digest('hex'), at: new Date(startedAt).toISOString() });
      emit({ kind: 'task-end', stepId, node, outcome, durationMs: o.now() - startedAt, ...(error === undefined ? {} : { error }), at: at() });
    },
    end(outcome) {
      emit({ kind: 'run-end', runId: o.runId, outcome, durationMs: o.now() - started, at: at() });
    },
    async close() {
      try {
        audit.close();
      } finally {
        await releaseRunLock(lock);
      }
    },
  };
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}
