// `kubedr rollback RUN_ID` of an `objects restore` run: puts the pre-restore live values back
// byte for byte, from the run's 0600 values file. Guarded like the restore: a key is reverted
// only while it still holds what the restore wrote (its mod revision, or its exact bytes when
// the restore's outcome is unknown); a created key is deleted the same way; a pruned key is
// re-created only while still absent. Keys changed since are skipped and reported; running the
// rollback again retries what is left.
import { join } from 'node:path';
import { ObjectsError, type Guard, type GuardedWrite, type RestoreAction } from '../etcd/objects/index.js';
import { applyGuardedWrites, openLiveTarget, type WriteOutcome } from './objects-live.js';
import { isObjectsRun, OBJECTS_JOURNAL, readObjectsJournal, readValues, SyncedLog, type KeyOutcome, type ObjectsJournalRecord, type RestoreStartRecord } from './objects-run.js';
import { openObjectsSession, type ObjectsEventSink } from './objects-session.js';
import { resolveStateDir, runPaths } from './state.js';
import type { Transport } from '../model/index.js';

export interface ObjectsRollbackOptions {
  runId: string;
  stateDir?: string;
  /** @default the inventory the restore used */
  inventory?: string;
  acceptNewHostKeys?: boolean;
  sshConfigPath?: string;
  env?: Record<string, string | undefined>;
  sinks?: ObjectsEventSink[];
  now?: () => number;
  transport?: Transport;
}

export interface ObjectsRollbackOutput {
  runId: string;
  results: { key: string; action: RestoreAction; outcome: KeyOutcome }[];
  /** Keys the restore changed that still are not reverted. */
  remaining: number;
  outcome: 'rolled-back' | 'failed';
}

interface KeyState {
  action: RestoreAction;
  result?: { outcome: KeyOutcome; revision?: number };
  undone: boolean;
}

export function isObjectsRestoreRun(stateDir: string | undefined, runId: string): boolean {
  return isObjectsRun(runPaths(resolveStateDir(stateDir), runId).runDir);
}

export async function rollbackObjects(o: ObjectsRollbackOptions): Promise<ObjectsRollbackOutput> {
  const now = o.now ?? Date.now;
  const stateDir = resolveStateDir(o.stateDir);
  const { runDir } = runPaths(stateDir, o.runId);
  if (!isObjectsRun(runDir)) throw new ObjectsError('OBJECTS_NOT_A_RESTORE_RUN', `run ${o.runId} is not an objects restore`, { hint: 'see `kubedr runs`' });
  const records = readObjectsJournal(runDir);
  const start = records.find((r): r is RestoreStartRecord => r.r === 'start');
  if (!start) throw new ObjectsError('OBJECTS_RUN_STATE', `${join(runDir, OBJECTS_JOURNAL)} has no start record`, { hint: 'the restore died before it began: nothing to roll back' });
  const keys = foldJournal(records);
  const values = readValues(runDir);
  const undo: (GuardedWrite & { action: RestoreAction })[] = [];
  for (const [key, s] of keys) {
    if (s.undone || !s.result || s.result.outcome === 'skipped') continue;
    const v = values.get(key);
    const prior = v?.prior === undefined ? undefined : Buffer.from(v.prior, 'base64');
    const written = v?.written === undefined ? undefined : Buffer.from(v.written, 'base64');
    const guard: Guard = s.result.outcome === 'done' && s.result.revision !== undefined ? { modRevision: s.result.revision } : { value: written ?? Buffer.alloc(0) };
    if (s.action === 'create') undo.push({ action: s.action, write: { op: 'delete', key }, guard });
    else if (prior === undefined) throw new ObjectsError('OBJECTS_RUN_STATE', `${OBJECTS_JOURNAL} lists ${key} but the values file has no prior value for it`, { hint: 'the values file was edited or truncated: restore the key by hand' });
    else if (s.action === 'overwrite') undo.push({ action: s.action, write: { op: 'put', key, value: prior }, guard });
    else undo.push({ action: s.action, write: { op: 'put', key, value: prior }, guard: { modRevision: 0 } });
  }
  const target = await openLiveTarget({
    inventory: o.inventory ?? start.inventory, node: start.node, ...(o.acceptNewHostKeys === undefined ? {} : { acceptNewHostKeys: o.acceptNewHostKeys }),
    ...(o.sshConfigPath === undefined ? {} : { sshConfigPath: o.sshConfigPath }), ...(o.env ? { env: o.env } : {}), ...(o.transport ? { transport: o.transport } : {}),
  });
  try {
    const session = await openObjectsSession({
      stateDir, runId: o.runId, mode: 'rollback', cluster: start.cluster, inventory: start.inventory, inventoryHash: target.inventoryHash,
      planHash: start.at, env: o.env ?? process.env, sinks: o.sinks ?? [], now,
    });
    const journal = new SyncedLog<ObjectsJournalRecord>(join(runDir, OBJECTS_JOURNAL));
    const results: ObjectsRollbackOutput['results'] = [];
    try {
      const startedAt = now();
      await applyGuardedWrites(target, undo, (ws, outcomes) => {
        const at = new Date(now()).toISOString();
        journal.append(ws.map((w, i) => {
          const u = w as (typeof undo)[number];
          const out = outcomes[i] as WriteOutcome;
          results.push({ key: u.write.key, action: u.action, outcome: out.outcome });
          session.keyEvent(`undo-${u.action} ${u.write.key}`, target.node, out.outcome === 'done' ? 'rolled-back' : out.outcome === 'skipped' ? 'skipped' : 'failed', startedAt,
            out.outcome === 'skipped' ? 'changed live since the restore: left as it is' : out.outcome === 'unknown' ? `etcdctl txn exited ${out.exitCode}` : undefined);
          return { r: 'undo' as const, key: u.write.key, action: u.action, outcome: out.outcome, ...(out.outcome === 'done' ? { revision: out.revision } : {}), at };
        }));
        return Promise.resolve();
      });
      const remaining = results.filter((r) => r.outcome !== 'done').length;
      const outcome = remaining === 0 ? 'rolled-back' : 'failed';
      journal.append([{ r: 'end', mode: 'rollback', outcome, at: new Date(now()).toISOString() }]);
      session.end(outcome);
      results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return { runId: o.runId, results, remaining, outcome };
    } finally {
      journal.close();
      await session.close();
    }
  } finally {
    await target.close();
  }
}

/** Per key: the restore's action, its result (none = died mid-write: unknown), and whether an undo completed. */
function foldJournal(records: readonly ObjectsJournalRecord[]): Map<string, KeyState> {
  const keys = new Map<string, KeyState>();
  for (const r of records) {
    if (r.r === 'intent') keys.set(r.key, { action: r.action, undone: false });
    else if (r.r === 'result') {
      const s = keys.get(r.key);
      if (s) s.result = { outcome: r.outcome, ...(r.revision === undefined ? {} : { revision: r.revision }) };
    } else if (r.r === 'undo' && r.outcome === 'done') {
      const s = keys.get(r.key);
      if (s) s.undone = true;
    }
  }
  for (const s of keys.values()) s.result ??= { outcome: 'unknown' };
  return keys;
}
