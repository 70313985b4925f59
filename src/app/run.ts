// `kubedr run`: take the cluster's run lock, save the plan and open the journal beside it,
// record the run start, execute, release the lock.
import { mkdir } from 'node:fs/promises';
import { KubedrError } from '../errors/index.js';
import { executePlan, type RunResult } from '../engine/index.js';
import { JournalWriter, releaseRunLock } from '../journal/index.js';
import type { Plan } from '../model/index.js';
import { engineWiring, lockRun, newRunId, resolveStateDir, runPaths, savePlan, type ExecuteOptions, type RunPaths } from './state.js';

export interface RunOptions extends ExecuteOptions {
  plan: Plan;
  /** @default a new time-ordered id */
  runId?: string;
}

export interface RunOutput {
  runId: string;
  paths: RunPaths;
  result: RunResult;
}

export async function runPlan(o: RunOptions): Promise<RunOutput> {
  const now = o.now ?? Date.now;
  const stateDir = resolveStateDir(o.stateDir);
  const runId = o.runId ?? newRunId(now());
  const paths = runPaths(stateDir, runId);
  const lock = await lockRun(stateDir, o.plan, runId, o, now());
  try {
    await mkdir(paths.runDir, { recursive: true });
    await savePlan(paths.plan, o.plan, true).catch((cause: unknown) => {
      throw new KubedrError('RUN_EXISTS', `run ${runId} already exists in ${paths.runDir}`, { hint: 'use `kubedr resume` to continue it', exitCode: 2, cause });
    });
    const journal = await JournalWriter.open(paths.journal);
    try {
      await journal.append({
        r: 'run-start',
        runId,
        mode: 'run',
        planHash: o.plan.hash,
        runbookHash: o.plan.runbook.hash,
        inventoryHash: o.plan.inventory.hash,
        params: o.plan.params,
        secretParams: o.plan.secretParams,
        at: new Date(now()).toISOString(),
      });
      const { deps, opts } = engineWiring(o, journal, runId, 'run');
      const result = await executePlan(o.plan, deps, opts);
      return { runId, paths, result };
    } finally {
      await journal.close();
    }
  } finally {
    await releaseRunLock(lock);
  }
}
