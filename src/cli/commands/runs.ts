// `kubedr runs [--output json]`: every run in the state dir, newest first.
import { Option, type Command } from 'commander';
import type { RegisterCommand } from './index.js';

export const registerRuns: RegisterCommand = (program: Command) => {
  program
    .command('runs')
    .description('list runs with their outcome, runbook, cluster and time')
    .addOption(new Option('-o, --output <format>', 'text table or JSON').choices(['text', 'json']).default('text'))
    .option('--state-dir <dir>', 'where runs live (default .kubedr)')
    .action(async (f: { output: 'text' | 'json'; stateDir?: string }) => {
      const { listRuns } = await import('../../app/runs.js');
      process.stdout.write(listRuns({ output: f.output, ...(f.stateDir !== undefined ? { stateDir: f.stateDir } : {}) }).rendered);
      process.exitCode = 0;
    });
};
