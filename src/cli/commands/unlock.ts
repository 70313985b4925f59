// `kubedr unlock [--force] LOCK_ID`: remove the run lock of a run that is gone.
// `kubedr unlock -i INV [--node N] [--run ID] [--force]`: release the node locks a killed run left.
import type { Command } from 'commander';
import { KubedrError } from '../../errors/index.js';
import { escapeControls } from '../../errors/escape.js';
import { collect } from '../terminal.js';
import type { RegisterCommand } from './index.js';

interface UnlockFlags {
  force?: boolean;
  stateDir?: string;
  inventory?: string;
  node: string[];
  run?: string;
}

export const registerUnlock: RegisterCommand = (program: Command) => {
  program
    .command('unlock [lock-id]')
    .description('remove a run lock (LOCK_ID, printed when a run is refused), or with -i the node locks of a killed run; a live holder needs --force')
    .option('-i, --inventory <file>', 'release node locks on the nodes of this inventory (instead of a run lock)')
    .option('--node <name>', 'with -i: only this node (repeatable)', collect, [])
    .option('--run <id>', 'with -i: only locks held by this run')
    .option('--force', 'remove it even if the holder may still be running (another host, or a live pid)')
    .option('--state-dir <dir>', 'where locks live (default .kubedr)')
    .action(async (lockId: string | undefined, f: UnlockFlags) => {
      const stateDir = f.stateDir !== undefined ? { stateDir: f.stateDir } : {};
      if (f.inventory !== undefined) {
        if (lockId !== undefined) throw new KubedrError('CLI_UNLOCK_BOTH', 'give either a LOCK_ID (run lock) or -i INVENTORY (node locks), not both', { exitCode: 2 });
        const { unlockNodes, describeNodeHolder } = await import('../../app/unlock.js');
        const out = await unlockNodes({ inventory: f.inventory, nodes: f.node, force: f.force ?? false, ...(f.run !== undefined ? { runId: f.run } : {}), ...stateDir });
        for (const r of out) {
          const line = r.status === 'released' && r.holder
            ? `released ${r.node}: lock of ${r.holderAlive ? '' : 'dead '}${describeNodeHolder(r.holder)}${r.holderAlive ? ' (--force)' : ''}`
            : r.status === 'other-run' && r.holder ? `kept ${r.node}: held by another ${describeNodeHolder(r.holder)}` : `${r.node}: not locked`;
          process.stdout.write(escapeControls(`${line}\n`));
        }
        process.exitCode = 0;
        return;
      }
      if (lockId === undefined) throw new KubedrError('CLI_UNLOCK_WHAT', 'nothing to unlock: give a LOCK_ID (run lock) or -i INVENTORY (node locks)', { hint: 'kubedr unlock -i inventory.yaml --run RUN_ID releases the node locks of a killed run', exitCode: 2 });
      const [{ unlock }, { describeHolder }] = await Promise.all([import('../../app/unlock.js'), import('../../journal/index.js')]);
      const holder = await unlock({ lockId, force: f.force ?? false, ...stateDir });
      process.stdout.write(escapeControls(`removed lock ${lockId} held by ${describeHolder(holder)}\n`));
      process.exitCode = 0;
    });
};
