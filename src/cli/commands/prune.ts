// `kubedr prune -i INVENTORY [--run ID]... [--older-than 7d] [--yes]`: list what runs set aside
// on the nodes and this machine, per run id with sizes; with --yes remove what is selected (only
// of finished or rolled-back runs), executed and audited as a run of its own.
import { Option, type Command } from 'commander';
import type { PruneOutput } from '../../app/prune.js';
import { addExecuteFlags, collect, exitCodeOf, interruptible, operateOptions, summary, type ExecuteFlags } from '../terminal.js';
import type { RegisterCommand } from './index.js';

interface PruneFlags extends ExecuteFlags {
  inventory: string;
  run: string[];
  olderThan?: string;
  list: 'text' | 'json';
}

export const registerPrune: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('prune')
    .description('list what kubedr runs left on the nodes and this machine (old data dirs, manifest stashes, staged snapshots, saved worker configs, backup staging, partial and undone copies) with sizes per run; with --yes remove what --run / --older-than select, never files of a run that is not finished or rolled back')
    .requiredOption('-i, --inventory <file>', 'inventory YAML (kubedr or Ansible/Kubespray)')
    .option('--run <id>', 'select this run (repeatable)', collect, [])
    .option('--older-than <age>', 'select runs started at least this long ago: 30m, 12h, 7d, 2w')
    .addOption(new Option('--list <format>', 'how the listing is printed').choices(['text', 'json']).default('text'));
  addExecuteFlags(cmd, { rollback: false }).action(async (f: PruneFlags) => {
    const { abort, dispose } = interruptible();
    try {
      const { prune } = await import('../../app/prune.js');
      const out = await prune({ ...operateOptions(f, abort), inventory: f.inventory, runIds: f.run, ...(f.olderThan !== undefined ? { olderThan: f.olderThan } : {}) });
      process.stdout.write(f.list === 'json' ? `${JSON.stringify({ prune: { entries: out.entries, scanErrors: out.scanErrors, removalRun: out.removal?.runId } })}\n` : renderPrune(out, f.yes ?? false));
      if (out.removal) summary(out.removal.runId, out.removal.result.outcome);
      process.exitCode = out.removal ? exitCodeOf(out.removal.result.outcome, 'done') : out.scanErrors.length > 0 ? 1 : 0;
    } finally {
      dispose();
    }
  });
};

const size = (b: number): string => (b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(1)} GiB` : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(b / 1024)} KiB`);

export function renderPrune(o: PruneOutput, yes: boolean): string {
  const lines: string[] = [];
  if (o.entries.length === 0) lines.push('nothing left behind by kubedr runs');
  let run = '';
  for (const e of o.entries) {
    if (e.runId !== run) {
      run = e.runId;
      const list = o.entries.filter((x) => x.runId === run);
      lines.push(`run ${run} (${e.state}): ${list.length} path(s), ${size(list.reduce((n, x) => n + x.bytes, 0))}`);
    }
    const verdict = e.verdict === 'remove' ? (yes ? 'remove' : 'would remove') : `keep: ${e.reason}`;
    lines.push(`  ${e.node.padEnd(10)} ${e.kind.padEnd(16)} ${size(e.bytes).padStart(10)}  ${e.path}${e.detail ? ` [${e.detail}]` : ''}  (${verdict})`);
  }
  for (const s of o.scanErrors) lines.push(`  ${s.node}: not scanned: ${s.error}`);
  const doomed = o.entries.filter((e) => e.verdict === 'remove');
  if (doomed.length > 0 && !yes) lines.push(`${doomed.length} path(s), ${size(doomed.reduce((n, x) => n + x.bytes, 0))}, would be removed: add --yes`);
  return `${lines.join('\n')}\n`;
}
