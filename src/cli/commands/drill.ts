// `kubedr drill SNAPSHOT (--node NAME -i INVENTORY | --local) [--compare-live]`: restore the
// snapshot into a scratch dir, start a throwaway etcd on loopback, check it against the
// snapshot, optionally compare with the live cluster, tear everything down. Exit 0 when the
// restore is faithful and cleaned up, 1 when not, 2 bad input.
import { Option, type Command } from 'commander';
import type { DrillOutput } from '../../app/drill.js';
import type { DrillCleanupOutput } from '../../app/drill-cleanup.js';
import { KubedrError } from '../../errors/index.js';
import { formatEventLine } from '../../reporters/lines.js';
import { addSshFlags, sshConfigOption } from '../ssh-flags.js';
import { interruptible } from '../terminal.js';
import type { RegisterCommand } from './index.js';

interface DrillFlags {
  cleanup?: boolean;
  force?: boolean;
  inventory?: string;
  node?: string;
  local?: boolean;
  compareLive?: boolean;
  scratch: string;
  stateDir?: string;
  acceptNewHostKeys?: boolean;
  sshConfig?: string | boolean;
  output: 'text' | 'json';
}

export const registerDrill: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('drill [snapshot]')
    .description('prove a snapshot restores: restore it into a scratch dir, start a throwaway etcd on loopback, check revision and keys, tear down; the live cluster is not touched. --cleanup: tear down what a killed drill left on that machine')
    .option('-i, --inventory <file>', 'inventory YAML (needed with --node and --compare-live)')
    .option('--node <name>', 'run the drill on this inventory node, over SSH')
    .option('--local', 'run the drill on this machine')
    .option('--compare-live', "compare the restored keys with the live cluster's (read-only): what a restore would add, remove or change")
    .option('--scratch <dir>', 'where the scratch dir is made on the drill machine', '/var/tmp')
    .option('--cleanup', 'instead of a drill: stop the throwaway etcd and remove the scratch dir of every drill on that machine that was killed before its teardown')
    .option('--force', 'with --cleanup: also clean scratch dirs made by a kubedr on another machine')
    .option('--state-dir <dir>', 'where the audit log is written (default .kubedr)')
    .option('--accept-new-host-keys', 'record unknown SSH host keys in known_hosts instead of refusing')
    .addOption(new Option('-o, --output <format>', 'report format').choices(['text', 'json']).default('text'));
  addSshFlags(cmd)
    .action(async (snapshot: string | undefined, f: DrillFlags) => {
      if (f.cleanup) {
        if (snapshot !== undefined) throw new KubedrError('DRILL_BAD_TARGET', '--cleanup takes no snapshot', { exitCode: 2, hint: 'kubedr drill --cleanup (--node NAME -i INVENTORY | --local) [--scratch DIR]' });
        const { drillCleanup } = await import('../../app/drill-cleanup.js');
        const out = await drillCleanup({
          ...(f.inventory !== undefined ? { inventory: f.inventory } : {}),
          ...(f.node !== undefined ? { node: f.node } : {}),
          local: f.local ?? false,
          scratchBase: f.scratch,
          force: f.force ?? false,
          ...(f.stateDir !== undefined ? { stateDir: f.stateDir } : {}),
          acceptNewHostKeys: f.acceptNewHostKeys ?? false,
          ...sshConfigOption(f),
          env: process.env,
        });
        process.stdout.write(f.output === 'json' ? `${JSON.stringify({ drillCleanup: out })}\n` : renderCleanup(out));
        process.exitCode = out.ok ? 0 : 1;
        return;
      }
      if (snapshot === undefined) throw new KubedrError('DRILL_BAD_TARGET', 'which snapshot? kubedr drill SNAPSHOT (--node NAME -i INVENTORY | --local)', { exitCode: 2, hint: 'or --cleanup to tear down what a killed drill left behind' });
      // First Ctrl-C: finish the running stage, then tear down (a throwaway etcd is never left behind).
      const { drill } = await import('../../app/drill.js');
      const { abort, dispose } = interruptible();
      try {
        const out = await drill({
          signal: abort.signal,
          snapshot,
          ...(f.inventory !== undefined ? { inventory: f.inventory } : {}),
          ...(f.node !== undefined ? { node: f.node } : {}),
          local: f.local ?? false,
          compareLive: f.compareLive ?? false,
          scratchBase: f.scratch,
          ...(f.stateDir !== undefined ? { stateDir: f.stateDir } : {}),
          acceptNewHostKeys: f.acceptNewHostKeys ?? false,
          ...sshConfigOption(f),
          env: process.env,
          sinks: f.output === 'text' ? [(e) => { const line = formatEventLine(e); if (line !== undefined && e.kind !== 'task-start') process.stderr.write(`${line}\n`); }] : [],
        });
        process.stdout.write(f.output === 'json' ? `${JSON.stringify({ drill: toJson(out) })}\n` : renderDrill(out));
        process.exitCode = out.ok ? 0 : 1;
      } finally {
        dispose();
      }
    });
};

function renderCleanup(o: DrillCleanupOutput): string {
  const lines = [`drill cleanup ${o.runId} on ${o.where}: ${o.removed.length} removed, ${o.kept.length} kept, ${o.failed.length} failed`];
  for (const r of o.removed) lines.push(`  removed  ${r.dir}: ${r.detail}`);
  for (const k of o.kept) lines.push(`  kept     ${k.dir}: ${k.reason}`);
  for (const f of o.failed) lines.push(`  FAILED   ${f.dir || '(listing)'}: ${f.error}`);
  return `${lines.join('\n')}\n`;
}

function toJson(o: DrillOutput): Record<string, unknown> {
  const { snapshot, restored, ...rest } = o;
  const { liveKeys, digests: _digests, ...snap } = snapshot;
  return { ...rest, snapshot: { ...snap, liveKeys: liveKeys.size }, ...(restored ? { restored: { healthy: restored.healthy, revision: restored.revision, keys: restored.keyCount, tool: restored.tool, ports: restored.ports } } : {}) };
}

export function renderDrill(o: DrillOutput): string {
  const lines = [`drill ${o.runId} on ${o.where}: ${o.ok ? 'the snapshot restores' : 'FAILED'}`];
  lines.push(`  snapshot  revision ${o.snapshot.revision}, ${o.snapshot.liveKeys.size} live keys, integrity ${o.snapshot.integrity}, sha256 ${o.snapshot.sha256}`);
  if (o.restored) lines.push(`  restored  revision ${o.restored.revision}, ${o.restored.keyCount} keys, healthy ${String(o.restored.healthy)} (${o.restored.tool})`);
  for (const p of o.problems) lines.push(`  problem   ${p}`);
  if (o.compare) {
    const c = o.compare;
    lines.push(`  live      revision ${c.liveRevision}, ${c.liveKeys} keys: a restore would add ${c.totals.wouldAdd}, remove ${c.totals.wouldRemove}, change ${c.totals.wouldChange}, keep ${c.totals.unchanged}`);
    for (const [r, d] of Object.entries(c.resources)) {
      lines.push(`    ${r}: +${d.wouldAdd.length} -${d.wouldRemove.length} ~${d.wouldChange.length}`);
      for (const k of d.wouldAdd.slice(0, 5)) lines.push(`      + ${k}`);
      for (const k of d.wouldRemove.slice(0, 5)) lines.push(`      - ${k}`);
      for (const k of d.wouldChange.slice(0, 5)) lines.push(`      ~ ${k}`);
      const shown = [d.wouldAdd, d.wouldRemove, d.wouldChange].reduce((n, l) => n + Math.min(5, l.length), 0);
      const more = d.wouldAdd.length + d.wouldRemove.length + d.wouldChange.length - shown;
      if (more > 0) lines.push(`      … ${more} more (--output json lists every key)`);
    }
  }
  lines.push(`  cleanup   ${o.cleanedUp ? 'throwaway etcd stopped, scratch dir removed' : 'INCOMPLETE: see the teardown stage in `kubedr audit`'}`);
  return `${lines.join('\n')}\n`;
}
