// `kubedr run -r RUNBOOK -i INVENTORY …`: plan, check host keys, execute. Exit 0 done, 1 the run
// failed (or was rolled back / interrupted), 2 bad input or refused with nothing executed.
import type { Command } from 'commander';
import { addExecuteFlags, collect, exitCodeOf, interruptible, operateOptions, summary, type ExecuteFlags } from '../terminal.js';
import { checkEndpoints } from '../ssh-flags.js';
import type { RegisterCommand } from './index.js';
import { resolveRunbookArg } from '../package-info.js';

interface RunFlags extends ExecuteFlags {
  runbook: string;
  inventory: string;
  param: string[];
  limit?: string;
}

export const registerRun: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('run')
    .description('execute a runbook against an inventory over SSH, with a journal, a run lock, an audit log and rollback')
    .requiredOption('-r, --runbook <file>', 'runbook YAML, or the name of a built-in runbook (ha-restore, …)', resolveRunbookArg)
    .requiredOption('-i, --inventory <file>', 'inventory YAML (kubedr or Ansible/Kubespray)')
    .option('--param <name=value>', 'runbook parameter (repeatable; not for secrets, see --param-from-env)', collect, [])
    .option('-l, --limit <nodes>', 'only these nodes\' tasks: node names, groups or roles, comma-separated (as ansible-playbook --limit); planned with every node, refused for steps that need every member');
  addExecuteFlags(cmd, { rollback: true }).action(async (f: RunFlags) => {
    if (f.verbose) await checkEndpoints(f.inventory, f);
    const { runFiles } = await import('../../app/operate.js');
    const { abort, dispose } = interruptible();
    try {
      const out = await runFiles({ ...operateOptions(f, abort), runbook: f.runbook, inventory: f.inventory, params: f.param, ...(f.limit !== undefined ? { limit: f.limit } : {}) });
      const r = out.result;
      summary(out.runId, r.outcome, `${r.failedStep ? ` (step ${r.failedStep} failed)` : ''}${r.rollbackIncomplete ? `; rollback incomplete: kubedr rollback ${out.runId}` : ''}${r.outcome === 'failed' || r.outcome === 'aborted' ? `; continue with kubedr resume ${out.runId}` : ''}`);
      process.exitCode = exitCodeOf(r.outcome, 'done');
    } finally {
      dispose();
    }
  });
};
