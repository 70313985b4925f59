// `kubedr rehearse -r RUNBOOK -i INVENTORY …`: read-only probes and each step's `check` on every
// node; prints a step × node table. Exit 0 when nothing is blocked, 1 when something is, 2 bad
// input (including a check that would change a node) with nothing executed.
import type { Command } from 'commander';
import { KubedrError } from '../../errors/index.js';
import { addExecuteFlags, collect, interruptible, operateOptions, summary, type ExecuteFlags } from '../terminal.js';
import { checkEndpoints } from '../ssh-flags.js';
import type { RegisterCommand } from './index.js';
import { resolveRunbookArg } from '../package-info.js';

interface RehearseFlags extends ExecuteFlags {
  runbook: string;
  inventory: string;
  param: string[];
  limit?: string;
  certMinValidity: string;
  probeTimeout: string;
}

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30s`, `5m`, `12h`, `7d` → seconds. */
export function parseSeconds(flag: string, value: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(value.trim());
  if (!m) throw new KubedrError('CLI_BAD_DURATION', `${flag} ${value}: not a duration like 30s, 5m, 12h or 7d`, { exitCode: 2 });
  return Number(m[1]) * (UNIT_S[m[2] ?? 's'] ?? 1);
}

export const registerRehearse: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('rehearse')
    .description("connect to every node and run only read-only probes and each step's check; print what would run, what is blocked and why")
    .requiredOption('-r, --runbook <file>', 'runbook YAML, or the name of a built-in runbook (ha-restore, …)', resolveRunbookArg)
    .requiredOption('-i, --inventory <file>', 'inventory YAML (kubedr or Ansible/Kubespray)')
    .option('--param <name=value>', 'runbook parameter (repeatable; not for secrets, see --param-from-env)', collect, [])
    .option('-l, --limit <nodes>', 'only these nodes\' tasks: node names, groups or roles, comma-separated (as ansible-playbook --limit); planned with every node, refused for steps that need every member')
    .option('--cert-min-validity <duration>', 'block when a certificate expires sooner than this (s, m, h, d)', '7d')
    .option('--probe-timeout <duration>', 'longest any single probe or wait check may take (s, m, h)', '30s');
  addExecuteFlags(cmd, { rollback: false }).action(async (f: RehearseFlags) => {
    if (f.verbose) await checkEndpoints(f.inventory, f);
    const [{ rehearse }, { renderTableText }] = await Promise.all([import('../../app/rehearse.js'), import('../../app/rehearsal/table.js')]);
    const { abort, dispose } = interruptible();
    try {
      const out = await rehearse({
        ...operateOptions(f, abort),
        runbook: f.runbook,
        inventory: f.inventory,
        params: f.param,
        ...(f.limit !== undefined ? { limit: f.limit } : {}),
        certMinValiditySec: parseSeconds('--cert-min-validity', f.certMinValidity),
        probeTimeoutMs: parseSeconds('--probe-timeout', f.probeTimeout) * 1000,
      });
      process.stdout.write(f.output === 'json' ? `${JSON.stringify({ rehearsal: { runId: out.runId, ok: out.ok, ...out.table } })}\n` : `\n${renderTableText(out.table)}`);
      const c = out.table.counts;
      summary(out.runId, out.ok ? 'rehearsed: nothing blocked' : `rehearsed: ${c.blocked} blocked`);
      process.exitCode = out.ok ? 0 : 1;
    } finally {
      dispose();
    }
  });
};
