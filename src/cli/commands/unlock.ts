// `kubedr unlock [--force] LOCK_ID`: remove the run lock of a run that is gone.
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';

export const registerUnlock: RegisterCommand = (program: Command) => {
  program
    .command('unlock <lock-id>')
    .description('remove a run lock (the id is printed when a run is refused); a live holder needs --force')
    .option('--force', 'remove it even if the holder may still be running (another host, or a live pid)')
    .option('--state-dir <dir>', 'where locks live (default .kubedr)')
    .action(async (lockId: string, f: { force?: boolean; stateDir?: string }) => {
      const [{ unlock }, { describeHolder }] = await Promise.all([import('../../app/unlock.js'), import('../../journal/index.js')]);
      const holder = await unlock({ lockId, force: f.force ?? false, ...(f.stateDir !== undefined ? { stateDir: f.stateDir } : {}) });
      process.stdout.write(`removed lock ${lockId} held by ${describeHolder(holder)}\n`);
      process.exitCode = 0;
    });
};
