// `kubedr objects restore SNAPSHOT -i INVENTORY --select …`: the snapshot's exact bytes back
// into the live etcd for the selection, nothing else. Order: read the snapshot side (bad input
// fails before connecting), read live and diff, plan and warn, the approval gate (shown the
// diff first), then journal every prior value (0600, fsync'd) and write in guarded transactions:
// a key changed since the diff is skipped and reported. No restart, no member change.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  localWarnings, ownerWarnings, planRestore, renderObjectsDiff, renderRestorePreview,
  type GuardedWrite, type PlannedWrite, type RestoreAction, type RestorePlan, type RestoreWarning,
} from '../etcd/objects/index.js';
import { readSelected } from './objects.js';
import { compareOn, type ObjectsDiffOptions, type ObjectsDiffOutput } from './objects-diff.js';
import { applyGuardedWrites, liveUids, openLiveTarget, type BatchLimits, type WriteOutcome } from './objects-live.js';
import { OBJECTS_JOURNAL, OBJECTS_VALUES, SyncedLog, type KeyOutcome, type ObjectsJournalRecord, type ValuesRecord } from './objects-run.js';
import { openObjectsSession, type ObjectsEventSink } from './objects-session.js';
import { newRunId, resolveStateDir } from './state.js';

export interface RestorePreview {
  runId: string;
  comparison: ObjectsDiffOutput;
  writes: { key: string; action: RestoreAction }[];
  leftAlone: RestorePlan['leftAlone'];
  warnings: RestoreWarning[];
  /** The diff, the writes and the warnings as the gate shows them. */
  text: string;
}

export interface ObjectsRestoreOptions extends ObjectsDiffOptions {
  /** Restore changed keys too. @default false */
  overwrite?: boolean;
  /** Delete live keys under the selection that the snapshot does not have. @default false */
  prune?: boolean;
  /** The gate: always shown the preview (diff, writes, warnings) first; says yes or no (the CLI asks, or --yes). */
  approve: (preview: RestorePreview) => Promise<boolean>;
  /** The approval is recorded as automatic (--yes). @default false */
  yes?: boolean;
  /** @default '.kubedr' */
  stateDir?: string;
  runId?: string;
  sinks?: ObjectsEventSink[];
  now?: () => number;
  /** Transaction sizes (tests use larger ones to provoke etcd's refusal). */
  batch?: BatchLimits;
}

export interface KeyResult {
  key: string;
  action: RestoreAction;
  outcome: KeyOutcome;
  revision?: number;
}

export interface ObjectsRestoreOutput {
  runId: string;
  approved: boolean;
  preview: RestorePreview;
  results: KeyResult[];
  totals: Record<KeyOutcome, number>;
  /** done: every planned write happened; failed: some were skipped or are unknown; aborted: declined. */
  outcome: 'done' | 'failed' | 'aborted';
}

export async function restoreObjects(o: ObjectsRestoreOptions): Promise<ObjectsRestoreOutput> {
  const now = o.now ?? Date.now;
  const snap = readSelected(o, false);
  const target = await openLiveTarget(o);
  try {
    const cmp = await compareOn(target, o, snap);
    const plan = planRestore(cmp.diff, cmp.snapshotObjects, cmp.liveObjects, { overwrite: o.overwrite ?? false, prune: o.prune ?? false });
    const local = localWarnings(plan.writes, cmp.liveObjects);
    const owners = local.owners.length === 0 ? new Map<string, string | undefined>() : await liveUids(target, [...new Set(local.owners.flatMap((n) => n.candidates))]);
    const warnings = [...local.warnings, ...ownerWarnings(local.owners, owners)];
    const runId = o.runId ?? newRunId(now());
    const { snapshotObjects: _s, liveObjects: _l, ...comparison } = cmp;
    const preview: RestorePreview = {
      runId, comparison, warnings, leftAlone: plan.leftAlone,
      writes: plan.writes.map((w) => ({ key: w.write.key, action: w.action })),
      text: renderObjectsDiff(cmp.diff) + renderRestorePreview(plan, warnings),
    };
    const stateDir = resolveStateDir(o.stateDir);
    const session = await openObjectsSession({
      stateDir, runId, mode: 'run', cluster: target.cluster, inventory: o.inventory, inventoryHash: target.inventoryHash,
      planHash: planHash(plan.writes), env: o.env ?? process.env, sinks: o.sinks ?? [], now,
    });
    const journal = new SyncedLog<ObjectsJournalRecord>(join(session.runDir, OBJECTS_JOURNAL));
    const at = (): string => new Date(now()).toISOString();
    try {
      journal.append([{
        r: 'start', snapshot: o.snapshot, selection: cmp.selection, overwrite: o.overwrite ?? false, prune: o.prune ?? false,
        inventory: o.inventory, inventoryHash: target.inventoryHash, cluster: target.cluster, node: target.node, endpoint: target.endpoint, at: at(),
      }]);
      // The gate sees the diff even when there is nothing to write.
      const approved = (await o.approve(preview)) && plan.writes.length > 0;
      const empty = { done: 0, skipped: 0, unknown: 0 };
      if (!approved) {
        if (plan.writes.length > 0) session.emit({ kind: 'approval', stepId: 'restore', message: `declined: ${summary(plan.writes, warnings)}`, approvedBy: session.operator, auto: false, at: at() });
        journal.append([{ r: 'end', mode: 'restore', outcome: plan.writes.length === 0 ? 'nothing-to-do' : 'declined', at: at() }]);
        session.end(plan.writes.length === 0 ? 'done' : 'aborted');
        return { runId, approved: false, preview, results: [], totals: empty, outcome: plan.writes.length === 0 ? 'done' : 'aborted' };
      }
      session.emit({ kind: 'approval', stepId: 'restore', message: summary(plan.writes, warnings), approvedBy: o.yes ? 'yes' : session.operator, auto: o.yes === true, at: at() });
      const results = await write(plan.writes, journal, session.runDir, (w, outcome, startedAt) => {
        const pw = w as PlannedWrite;
        session.keyEvent(`${pw.action} ${pw.write.key}`, target.node, outcome.outcome === 'done' ? 'done' : outcome.outcome === 'skipped' ? 'skipped' : 'failed', startedAt, describe(outcome));
      }, target, now, o.batch ?? {});
      const totals = { ...empty };
      for (const r of results) totals[r.outcome]++;
      const outcome = totals.done === results.length ? 'done' : 'failed';
      journal.append([{ r: 'end', mode: 'restore', outcome, at: at() }]);
      session.end(outcome);
      return { runId, approved: true, preview, results, totals, outcome };
    } finally {
      journal.close();
      await session.close();
    }
  } finally {
    await target.close();
  }
}

/** Values file and intents first (fsync'd), then the guarded writes, then one result per key. */
async function write(
  writes: readonly PlannedWrite[], journal: SyncedLog<ObjectsJournalRecord>, runDir: string,
  onKey: (w: GuardedWrite, outcome: WriteOutcome, startedAt: number) => void, target: Parameters<typeof applyGuardedWrites>[0], now: () => number, limits: BatchLimits,
): Promise<KeyResult[]> {
  const values = new SyncedLog<ValuesRecord>(join(runDir, OBJECTS_VALUES));
  try {
    values.append(writes.map((w) => ({
      key: w.write.key,
      ...(w.prior ? { prior: w.prior.toString('base64') } : {}),
      ...(w.write.op === 'put' ? { written: w.write.value.toString('base64') } : {}),
    })));
  } finally {
    values.close();
  }
  const at = (): string => new Date(now()).toISOString();
  journal.append(writes.map((w) => ({ r: 'intent', key: w.write.key, action: w.action, guardModRevision: 'modRevision' in w.guard ? w.guard.modRevision : -1, at: at() })));
  const results: KeyResult[] = [];
  const startedAt = now();
  await applyGuardedWrites(target, writes, (ws, outcomes) => {
    const records: ObjectsJournalRecord[] = [];
    ws.forEach((w, i) => {
      const pw = w as PlannedWrite;
      const out = outcomes[i] as WriteOutcome;
      const r: KeyResult = { key: pw.write.key, action: pw.action, outcome: out.outcome, ...(out.outcome === 'done' ? { revision: out.revision } : {}) };
      results.push(r);
      records.push({ r: 'result', ...r, at: at() });
      onKey(w, out, startedAt);
    });
    journal.append(records);
    return Promise.resolve();
  }, limits);
  return results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function describe(o: WriteOutcome): string | undefined {
  if (o.outcome === 'skipped') return 'changed live since the diff: not written';
  if (o.outcome === 'unknown') return `etcdctl txn exited ${o.exitCode}: the write may or may not have happened (rollback checks)`;
  return undefined;
}

function summary(writes: readonly PlannedWrite[], warnings: readonly RestoreWarning[]): string {
  const n = (a: RestoreAction): number => writes.filter((w) => w.action === a).length;
  const codes = [...new Set(warnings.map((w) => w.code))];
  return `${n('create')} create, ${n('overwrite')} overwrite, ${n('delete')} delete${codes.length > 0 ? `; ${warnings.length} warning(s): ${codes.join(', ')}` : ''}`;
}

/** Digest of the writes (key, action, guard, value digest): the audit's planHash. */
function planHash(writes: readonly PlannedWrite[]): string {
  const h = createHash('sha256');
  for (const w of writes) {
    const v = w.write.op === 'put' ? createHash('sha256').update(w.write.value).digest('hex') : '';
    h.update(`${w.action}\0${w.write.key}\0${'modRevision' in w.guard ? w.guard.modRevision : 'value'}\0${v}\n`);
  }
  return h.digest('hex');
}
