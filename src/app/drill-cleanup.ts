// `kubedr drill --cleanup`: a drill killed before its teardown (SIGKILL, a lost laptop) leaves a
// scratch dir and possibly a throwaway etcd on the drill machine. This finds every
// `<base>/kubedr-drill-XXXXXX` there and tears it down with the drill's own teardown (which
// signals only an etcd running on that very data dir). A dir whose drill still runs is left
// alone: its owner (host + PID of the kubedr that made it) is alive on this machine; a dir made
// from another machine is left alone too, unless --force. Recorded in the audit like a drill.
import { hostname } from 'node:os';
import { createAuditSink, operatorIdentity } from '../audit/index.js';
import { isPidAlive } from '../journal/index.js';
import type { DrillMachineOptions } from './drill.js';
import { DrillRecorder } from './drill-record.js';
import { listScratch, resolveDrillTarget, teardown } from './drill-steps.js';
import { newRunId, resolveStateDir, runPaths } from './state.js';

export interface DrillCleanupOptions extends DrillMachineOptions {
  /** Also clean dirs made by a kubedr on another machine (whose liveness cannot be checked from here). */
  force?: boolean;
}

export interface DrillCleanupOutput {
  runId: string;
  where: string;
  removed: { dir: string; detail: string }[];
  kept: { dir: string; reason: string }[];
  failed: { dir: string; error: string }[];
  ok: boolean;
}

export async function drillCleanup(o: DrillCleanupOptions): Promise<DrillCleanupOutput> {
  const env = o.env ?? process.env;
  const target = await resolveDrillTarget({ ...o, compareLive: false }, env);
  const runId = o.runId ?? newRunId(Date.now());
  const audit = createAuditSink({
    runDir: runPaths(resolveStateDir(o.stateDir), runId).runDir,
    runId,
    who: operatorIdentity(env),
    subject: { runbook: { name: 'restore-drill-cleanup', hash: '' }, ...(target.inventoryHash ? { inventoryHash: target.inventoryHash } : {}) },
  });
  const rec = new DrillRecorder([(e) => audit.onEvent(e), ...(o.sinks ?? [])], Date.now, runId);
  const out: DrillCleanupOutput = { runId, where: target.where, removed: [], kept: [], failed: [], ok: false };
  rec.start({ planHash: '', runbook: 'restore-drill-cleanup', cluster: target.cluster });
  try {
    const base = o.scratchBase ?? '/var/tmp';
    const dirs = await rec.stage('list', target.where, `list drill scratch dirs in ${base}`, async () => {
      const found = await listScratch(target, base);
      return { value: found, detail: `${found.length} scratch dir(s) in ${base}` };
    });
    const here = hostname();
    for (const d of dirs) {
      const reason = !d.owner ? undefined
        : d.owner.host === here ? (isPidAlive(d.owner.pid) ? `its drill is still running (pid ${d.owner.pid})` : undefined)
        : o.force ? undefined : `made by a drill on ${d.owner.host} (pid ${d.owner.pid}), which cannot be checked from here: run --cleanup there, or add --force`;
      if (reason !== undefined) {
        out.kept.push({ dir: d.dir, reason });
        continue;
      }
      await rec.stage('teardown', target.where, `stop the throwaway etcd, remove ${d.dir}`, () => teardown(target, d.dir)).then(
        (detail) => void out.removed.push({ dir: d.dir, detail }),
        (err: unknown) => void out.failed.push({ dir: d.dir, error: err instanceof Error ? err.message : String(err) }),
      );
    }
    out.ok = out.failed.length === 0;
  } catch (err) {
    out.failed.push({ dir: '', error: err instanceof Error ? err.message : String(err) });
  } finally {
    rec.end(out.ok ? 'done' : 'failed');
    audit.close();
    await target.close();
  }
  return out;
}
