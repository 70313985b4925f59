// `kubedr snapshot inspect|get|diff`: look inside an etcd v3 snapshot without any etcd binary.
import { Option, type Command } from 'commander';
import { diffSnapshots, getSnapshotValue, inspectSnapshot, valueToJson } from '../../app/snapshot.js';
import { renderDiff, renderInspection, renderValue } from '../../etcd/snapshot/index.js';
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
    .action((file: string, flags: Flags) => {
      const report = inspectSnapshot(file, options(flags));
      write(flags.output === 'json' ? json(report) : renderInspection(file, report));
    });

  snapshot
    .command('get <file> <key>')
    .description('print the latest value of a key: JSON as stored, Kubernetes protobuf decoded as far as possible')
    .addOption(outputOption())
    .addOption(skipHashOption())
    .action((file: string, key: string, flags: Flags) => {
      const value = getSnapshotValue(file, key, options(flags));
      write(flags.output === 'json' ? json(valueToJson(value)) : renderValue(value));
    });

  snapshot
    .command('diff <a> <b>')
    .description('keys added, removed and changed per resource type from snapshot A to snapshot B')
    .addOption(outputOption())
    .addOption(skipHashOption())
    .action((a: string, b: string, flags: Flags) => {
      const report = diffSnapshots(a, b, options(flags));
      write(flags.output === 'json' ? json(report) : renderDiff(a, b, report));
    });
};

function options(flags: Flags): { skipHashCheck: boolean } {
  return { skipHashCheck: flags.skipHashCheck ?? false };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function write(text: string): void {
  process.stdout.write(text);
}
