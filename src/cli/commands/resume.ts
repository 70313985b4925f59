// `kubedr resume RUN_ID`: continue a run from its journal; the plan is rebuilt from the current
// files (by default the ones the run started with) and must not have changed.
import type { Command } from 'commander';
import { addExecuteFlags, collect, exitCodeOf, interruptible, notApprovedExit, operateOptions, summary, type ExecuteFlags } from '../terminal.js';
import type { RegisterCommand } from './index.js';
import { resolveRunbookArg } from '../package-info.js';

interface ResumeFlags extends ExecuteFlags {
  runbook?: string;
  inventory?: string;
  param: string[];
  assumeDone: string[];
  rerun: string[];
  forceChanged?: boolean;
}

export const registerResume: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('resume <run-id>')
    .description('continue an interrupted or failed run: completed (step, node) pairs are skipped')
    .option('-r, --runbook <file>', 'runbook YAML (default: the one the run started with), or the name of a built-in runbook (ha-restore, …)', resolveRunbookArg)
    .option('-i, --inventory <file>', 'inventory YAML (default: the one the run started with)')
    .option('--param <name=value>', "override one of the run's params (repeatable)", collect, [])
    .option('--assume-done <STEP@NODE>', 'a task that was running when the run stopped did complete (repeatable)', collect, [])
    .option('--rerun <STEP@NODE>', 'run this task again even though it may have run (repeatable)', collect, [])
    .option('--force-changed', 'resume even though the runbook, inventory or plan changed since the run started');
  addExecuteFlags(cmd, { rollback: true }).action(async (runId: string, f: ResumeFlags) => {
    const { resumeFiles } = await import('../../app/operate.js');
    const { abort, dispose } = interruptible();
    try {
      const unasked: string[] = [];
      const out = await resumeFiles({
        ...operateOptions(f, abort, unasked),
        runId,
        ...(f.runbook !== undefined ? { runbook: f.runbook } : {}),
        ...(f.inventory !== undefined ? { inventory: f.inventory } : {}),
        params: f.param,
        assumeDone: f.assumeDone,
        rerun: f.rerun,
        forceChanged: f.forceChanged ?? false,
      });
      const r = out.result;
      summary(runId, r.outcome, `${r.failedStep ? ` (step ${r.failedStep} failed)` : ''}${out.rerunInFlight.length ? `; re-ran ${out.rerunInFlight.join(', ')}` : ''}`);
      process.exitCode = notApprovedExit(runId, unasked, r.outcome) ?? exitCodeOf(r.outcome, 'done');
    } finally {
      dispose();
    }
  });
};
