// `kubedr plan -r … -i … [--param k=v] [--output json]`: the dry-run, human or JSON (the Plan).
import { Option, type Command } from 'commander';
import { escapeControls, escapeJsonControls } from '../../errors/escape.js';
import { formatProblem } from '../../errors/index.js';
import { addSshFlags, checkEndpoints, type SshFlags } from '../ssh-flags.js';
import type { RegisterCommand } from './index.js';
import { collect } from './validate.js';
import { resolveRunbookArg } from '../package-info.js';

export const registerPlan: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('plan')
    .description('print exactly what `run` would execute, per phase, step and node; opens no connection')
    .requiredOption('-r, --runbook <file>', 'runbook YAML, or the name of a built-in runbook (ha-restore, …)', resolveRunbookArg)
    .requiredOption('-i, --inventory <file>', 'inventory YAML (kubedr or Ansible/Kubespray)')
    .option('--param <name=value>', 'runbook parameter (repeatable)', collect, [])
    .option('-l, --limit <nodes>', 'only these nodes\' tasks: node names, groups or roles, comma-separated (as ansible-playbook --limit); planned with every node, refused for steps that need every member')
    .addOption(new Option('-o, --output <format>', 'human text, or the Plan object as JSON').choices(['text', 'json']).default('text'));
  addSshFlags(cmd)
    .action(async (opts: { runbook: string; inventory: string; param: string[]; limit?: string; output: string } & SshFlags) => {
      const { plan } = await import('../../app/plan.js');
      const out = await plan({ runbook: opts.runbook, inventory: opts.inventory, params: opts.param, ...(opts.limit !== undefined ? { limit: opts.limit } : {}) });
      await checkEndpoints(out.inventory.nodes, opts);
      for (const w of out.warnings) process.stderr.write(`${formatProblem(w)}\n`);
      process.stdout.write(opts.output === 'json' ? `${escapeJsonControls(JSON.stringify(out.plan, null, 2))}\n` : escapeControls(out.text));
      process.exitCode = 0;
    });
};
