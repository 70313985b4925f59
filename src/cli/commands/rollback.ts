// `kubedr rollback RUN_ID`: unwind the run's undo stack (reverse order, per node); resumable.
import type { Command } from 'commander';
import { addExecuteFlags, collect, exitCodeOf, interruptible, operateOptions, summary, type ExecuteFlags } from '../terminal.js';
import type { RegisterCommand } from './index.js';

interface RollbackFlags extends ExecuteFlags {
  inventory?: string;
  assumeDone: string[];
  rerun: string[];
  forceChanged?: boolean;
}

export const registerRollback: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('rollback <run-id>')
    .description("undo a run's completed steps in reverse order (old data dirs and manifests are moved back, nothing is deleted)")
    .option('-i, --inventory <file>', 'inventory YAML (default: the one the run started with)')
    .option('--assume-done <STEP@NODE>', 'an undo that was running when the rollback stopped did complete (repeatable)', collect, [])
    .option('--rerun <STEP@NODE>', 'run this undo again (repeatable)', collect, [])
    .option('--force-changed', 'accept an inventory that changed since the run started');
  addExecuteFlags(cmd, { rollback: false }).action(async (runId: string, f: RollbackFlags) => {
    const { rollbackFiles } = await import('../../app/operate.js');
    const { abort, dispose } = interruptible();
    try {
      const out = await rollbackFiles({
        ...operateOptions(f, abort),
        runId,
        ...(f.inventory !== undefined ? { inventory: f.inventory } : {}),
        assumeDone: f.assumeDone,
        rerun: f.rerun,
        forceChanged: f.forceChanged ?? false,
      });
      summary(runId, out.result.outcome, out.remaining > 0 ? `; ${out.remaining} undo(s) left: kubedr rollback ${runId} again` : '');
      process.exitCode = exitCodeOf(out.result.outcome, 'rolled-back');
    } finally {
      dispose();
    }
  });
};
