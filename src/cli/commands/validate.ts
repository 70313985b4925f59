// `kubedr validate -r RUNBOOK -i INVENTORY [--param k=v]`: all problems, exit 2 on errors.
import type { Command } from 'commander';
import { formatProblem } from '../../errors/index.js';
import { addSshFlags, checkEndpoints, type SshFlags } from '../ssh-flags.js';
import type { RegisterCommand } from './index.js';
import { resolveRunbookArg } from '../package-info.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export const registerValidate: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('validate')
    .description('check a runbook and an inventory (schema and semantic rules); nothing is executed')
    .requiredOption('-r, --runbook <file>', 'runbook YAML, or the name of a built-in runbook (ha-restore, …)', resolveRunbookArg)
    .requiredOption('-i, --inventory <file>', 'inventory YAML (kubedr or Ansible/Kubespray)')
    .option('--param <name=value>', 'runbook parameter (repeatable)', collect, []);
  addSshFlags(cmd)
    .action(async (opts: { runbook: string; inventory: string; param: string[] } & SshFlags) => {
      const { validate } = await import('../../app/validate.js');
      const report = await validate({ runbook: opts.runbook, inventory: opts.inventory, params: opts.param });
      for (const p of report.problems) process.stderr.write(`${formatProblem(p)}\n`);
      if (report.errors > 0) {
        process.stderr.write(`kubedr: ${report.errors} error(s), ${report.warnings} warning(s); nothing was executed\n`);
        process.exitCode = 2;
        return;
      }
      await checkEndpoints(report.inventory?.nodes ?? opts.inventory, opts);
      process.stdout.write(`ok: ${opts.runbook} on ${opts.inventory} is valid (${report.warnings} warning(s))${report.plan ? `, plan hash ${report.plan.hash}` : ''}\n`);
      process.exitCode = 0;
    });
};
