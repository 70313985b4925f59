// `kubedr snapshot inspect|get|diff`: look inside an etcd v3 snapshot without any etcd binary.
import { Option, type Command } from 'commander';
import type { RegisterCommand } from './index.js';

interface Flags {
  output: 'text' | 'json';
  skipHashCheck?: boolean;
}

const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
const skipHashOption = () =>
  new Option('--skip-hash-check', 'do not verify the sha256 that `etcdctl snapshot save` appends (faster; for raw db copies)');

export const registerSnapshot: RegisterCommand = (program: Command) => {
  const snapshot = program.command('snapshot').description('inspect etcd v3 snapshot files (no etcd binary needed)');

  snapshot
    .command('inspect <file>')
    .description('verify the integrity hash; print revision, key counts, size and live keys per resource type')
    .addOption(outputOption())
    .addOption(skipHashOption())
    .action(async (file: string, flags: Flags) => {
      const [{ inspectSnapshot }, { renderInspection }] = await load();
      const report = inspectSnapshot(file, options(flags));
      write(flags.output === 'json' ? json(report) : renderInspection(file, report));
    });

  snapshot
    .command('get <file> <key>')
    .description('print the latest value of a key: JSON as stored, Kubernetes protobuf decoded as far as possible')
    .addOption(outputOption())
    .addOption(skipHashOption())
    .action(async (file: string, key: string, flags: Flags) => {
      const [{ getSnapshotValue, valueToJson }, { renderValue }] = await load();
      const value = getSnapshotValue(file, key, options(flags));
      write(flags.output === 'json' ? json(valueToJson(value)) : renderValue(value));
    });

  snapshot
    .command('diff <a> <b>')
    .description('keys added, removed and changed per resource type from snapshot A to snapshot B')
    .addOption(outputOption())
    .addOption(skipHashOption())
    .action(async (a: string, b: string, flags: Flags) => {
      const [{ diffSnapshots }, { renderDiff }] = await load();
      const report = diffSnapshots(a, b, options(flags));
      write(flags.output === 'json' ? json(report) : renderDiff(a, b, report));
    });
};

// Loaded by the subcommand that runs: the snapshot reader is not part of every start-up.
const load = () => Promise.all([import('../../app/snapshot.js'), import('../../etcd/snapshot/index.js')]);

function options(flags: Flags): { skipHashCheck: boolean } {
  return { skipHashCheck: flags.skipHashCheck ?? false };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function write(text: string): void {
  process.stdout.write(text);
}
