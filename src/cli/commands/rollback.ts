// `kubedr rollback RUN_ID`: unwind the run's undo stack (reverse order, per node); resumable.
import type { Command } from 'commander';
import { addExecuteFlags, collect, exitCodeOf, interruptible, operateOptions, summary, type ExecuteFlags } from '../terminal.js';
import { sshConfigOption } from '../ssh-flags.js';
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
    // An `objects restore` run has no plan: its undo is putting the journaled prior values back.
    const { isObjectsRestoreRun, rollbackObjects } = await import('../../app/objects-rollback.js');
    if (isObjectsRestoreRun(f.stateDir, runId)) {
      const out = await rollbackObjects({
        runId, env: process.env, acceptNewHostKeys: f.acceptNewHostKeys ?? false,
        ...(f.stateDir !== undefined ? { stateDir: f.stateDir } : {}),
        ...(f.inventory !== undefined ? { inventory: f.inventory } : {}),
        ...sshConfigOption(f),
      });
      if (f.output === 'json') process.stdout.write(`${JSON.stringify(out)}\n`);
      const skipped = out.results.filter((r) => r.outcome !== 'done').map((r) => `  ${r.outcome} ${r.key}`);
      if (skipped.length > 0) process.stderr.write(`not reverted (changed live since the restore, or unknown):\n${skipped.join('\n')}\n`);
      summary(runId, out.outcome, out.remaining > 0 ? `; ${out.remaining} key(s) left: kubedr rollback ${runId} again` : '');
      process.exitCode = exitCodeOf(out.outcome, 'rolled-back');
      return;
    }
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
