// `kubedr objects list|get|diff|restore`: object-level recovery from an etcd snapshot, without
// rolling the cluster back. Thin: flags → src/app/objects*.ts → text or JSON. Exit 0 done,
// 1 something differs/was skipped/declined, 2 bad input (nothing read from the cluster).
import { Option, type Command } from 'commander';
import { createInterface } from 'node:readline/promises';
// The app, etcd/objects and yaml modules load when a subcommand runs (start-up budget,
// test/cli/startup.test.ts): the diff and restore ones reach ssh2.
import type { RestorePreview } from '../../app/objects-restore.js';
import { formatEventLine } from '../../reporters/lines.js';
import { collect } from '../terminal.js';
import { addSshFlags, sshConfigOption } from '../ssh-flags.js';
import type { RegisterCommand } from './index.js';

interface SelectFlags {
  select: string[];
  prefix: string[];
  namespaceContents?: boolean;
  allowOutsideRegistry?: boolean;
  skipHashCheck?: boolean;
}

interface LiveFlags extends SelectFlags {
  inventory: string;
  node?: string;
  acceptNewHostKeys?: boolean;
  sshConfig?: string | boolean;
  verbose?: boolean;
  output: 'text' | 'json';
}

interface RestoreFlags extends LiveFlags {
  overwrite?: boolean;
  prune?: boolean;
  yes?: boolean;
  stateDir?: string;
}

function selectionFlags(cmd: Command): Command {
  return cmd
    .option('-s, --select <RESOURCE[/NAMESPACE[/NAME]]>', 'objects to work on, kubectl resource names, * and ? globs (repeatable)', collect, [])
    .option('--prefix <key-prefix>', 'raw etcd key prefix under /registry/ (repeatable)', collect, [])
    .option('--namespace-contents', 'a namespaces/NAME selector also selects every object in that namespace')
    .option('--allow-outside-registry', 'accept a --prefix outside /registry/ (not Kubernetes objects)')
    .option('--skip-hash-check', 'do not verify the sha256 that `etcdctl snapshot save` appends');
}

function liveFlags(cmd: Command): Command {
  return addSshFlags(selectionFlags(cmd))
    .requiredOption('-i, --inventory <file>', 'inventory YAML: the live cluster is read through one of its etcd members over SSH')
    .option('--node <name>', 'the etcd member to go through (default: the first in the inventory)')
    .option('--accept-new-host-keys', 'record unknown SSH host keys in known_hosts instead of refusing')
    .addOption(new Option('-o, --output <format>', 'report format').choices(['text', 'json']).default('text'));
}

const selection = (f: SelectFlags) => ({
  selectors: f.select, prefixes: f.prefix, namespaceContents: f.namespaceContents ?? false, allowOutsideRegistry: f.allowOutsideRegistry ?? false, skipHashCheck: f.skipHashCheck ?? false,
});

const live = (f: LiveFlags) => ({
  ...selection(f), inventory: f.inventory, ...(f.node === undefined ? {} : { node: f.node }), acceptNewHostKeys: f.acceptNewHostKeys ?? false,
  ...sshConfigOption(f), env: process.env,
});

export const registerObjects: RegisterCommand = (program: Command) => {
  const objects = program.command('objects').description('object-level recovery: list, show, diff and restore Kubernetes objects from an etcd snapshot without a full restore');

  selectionFlags(objects.command('list <snapshot>').description('objects in a snapshot: resource, namespace, name, apiVersion/kind, uid, creation time, encoding'))
    .addOption(new Option('-o, --output <format>', 'report format').choices(['text', 'json']).default('text'))
    .action(async (snapshot: string, f: SelectFlags & { output: string }) => {
      const [{ listObjects }, { renderList }] = await Promise.all([import('../../app/objects.js'), import('../../etcd/objects/index.js')]);
      const out = listObjects({ snapshot, ...selection(f) });
      write(f.output === 'json' ? json(out) : renderList(out.objects));
    });

  selectionFlags(objects.command('get <snapshot> [selector...]').description('objects as stored: JSON whole; protobuf: decoded metadata and fields by number; Secret values never'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (snapshot: string, selectors: string[], f: SelectFlags & { output: string }) => {
      const [{ getObjects }, { stringify }] = await Promise.all([import('../../app/objects.js'), import('yaml')]);
      const views = getObjects({ snapshot, ...selection(f), selectors: [...selectors, ...f.select] });
      if (f.output === 'json') write(json(views.length === 1 ? views[0] : views));
      else write(views.map((v) => `# ${v.key} (${v.encoding}, ${v.size} bytes, modRevision ${v.modRevision})\n${stringify(v.object)}`).join('---\n'));
    });

  liveFlags(objects.command('diff <snapshot>').description('live cluster vs snapshot per key over the selection: missing live, changed, extra live (read-only)'))
    .action(async (snapshot: string, f: LiveFlags) => {
      const [{ diffLiveObjects }, { renderObjectsDiff }] = await Promise.all([import('../../app/objects-diff.js'), import('../../etcd/objects/index.js')]);
      const out = await diffLiveObjects({ snapshot, ...live(f) });
      write(f.output === 'json' ? json(out) : renderObjectsDiff(out.diff));
      process.exitCode = out.diff.entries.length === 0 ? 0 : 1;
    });

  liveFlags(objects.command('restore <snapshot>').description("write the snapshot's exact bytes back for the selection: missing keys created; changed with --overwrite; extra live deleted with --prune; guarded, journaled, audited; undo with `kubedr rollback RUN_ID`"))
    .option('--overwrite', 'also restore keys whose live value differs from the snapshot')
    .option('--prune', 'also delete live keys under the selection that the snapshot does not have')
    .option('-y, --yes', 'approve without asking (the diff is still printed)')
    .option('--state-dir <dir>', 'where the run (journal, audit, prior values) is kept (default .kubedr)')
    .action(async (snapshot: string, f: RestoreFlags) => {
      const { restoreObjects } = await import('../../app/objects-restore.js');
      const out = await restoreObjects({
        snapshot, ...live(f), overwrite: f.overwrite ?? false, prune: f.prune ?? false, yes: f.yes ?? false,
        ...(f.stateDir === undefined ? {} : { stateDir: f.stateDir }),
        approve: (p) => gate(p, f.output, f.yes ?? false),
        sinks: f.output === 'text' ? [(e) => { const line = formatEventLine(e); if (line !== undefined && e.kind !== 'task-start') process.stderr.write(`${line}\n`); }] : [],
      });
      if (f.output === 'json') write(json(out));
      const t = out.totals;
      process.stderr.write(out.approved
        ? `kubedr: run ${out.runId} ${out.outcome}: ${t.done} written, ${t.skipped} skipped (changed live since the diff), ${t.unknown} unknown; undo with \`kubedr rollback ${out.runId}\`\n`
        : `kubedr: run ${out.runId}: ${out.preview.writes.length === 0 ? 'nothing to restore' : 'not approved, nothing written'}\n`);
      process.exitCode = out.outcome === 'done' ? 0 : 1;
    });
};

/** Shows the diff, the writes and the warnings, then asks; without a terminal the answer is no. */
async function gate(p: RestorePreview, output: string, yes: boolean): Promise<boolean> {
  if (output === 'text') write(p.text);
  else process.stderr.write(p.text);
  if (p.writes.length === 0) return false;
  if (yes) return true;
  if (!process.stdin.isTTY) {
    process.stderr.write('kubedr: no terminal to ask for approval: review the diff above and run again with --yes\n');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`restore ${p.writes.length} key(s) into the live etcd (run ${p.runId})? [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function write(text: string): void {
  process.stdout.write(text);
}
