// The start-up snapshot's parts (src/cli/snapshot.ts is its entry, which may export nothing:
// node builds a snapshot from a script without `module`). Importing this module does nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { planTexts } from '../app/plan.js';
import { validateTexts } from '../app/validate.js';
import { readRunbook } from '../runbook/index.js';
import { prepareYaml } from '../schema/yaml.js';
import { createProgram, main } from './main.js';
import { builtinRunbooksDir } from './package-info.js';
import { exitQuietlyOnBrokenPipe } from './startup.js';

declare global {
  /** `import.meta.url` of the bundled modules (the bundle's define): a file two levels below the package root. */
  var __kubedrModuleUrl: string;
  /** Loads the packages left out of the bundle (ssh2, zx) from the package's node_modules. */
  var __kubedrRequire: (id: string) => unknown;
}

/** The package root of a snapshot blob at <root>/dist/snapshot/<blob>. */
export function packageRootOfBlob(blob: string): string {
  return resolve(dirname(blob), '..', '..');
}

/** The blob this process started from: `--snapshot-blob PATH` or `--snapshot-blob=PATH` in execArgv. */
export function blobOf(execArgv: readonly string[]): string | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i] ?? '';
    if (a === '--snapshot-blob') return execArgv[i + 1];
    if (a.startsWith('--snapshot-blob=')) return a.slice('--snapshot-blob='.length);
  }
  return undefined;
}

export function locate(root: string): void {
  globalThis.__kubedrModuleUrl = pathToFileURL(join(root, 'dist', 'cli', 'entry.js')).href;
  globalThis.__kubedrRequire = createRequire(join(root, 'package.json'));
}

// A cluster shaped like kubeadm's (3 control planes with stacked etcd, 2 workers), to run the
// planner on every built-in runbook while the snapshot is built: the code that runs is compiled
// then. Written the ways inventories are (block and flow style, comments, an anchor merged into
// two nodes, groups, vars) so that the YAML parser's paths for them are among that code.
const WARM_UP_INVENTORY = `# warm-up inventory (src/cli/snapshot-parts.ts): never connected to
apiVersion: kubedr.io/v1alpha1
kind: Inventory
cluster:
  name: warm-up
x-member: &member
  groups: [masters]
  labels: { tier: control }
defaults:
  ssh:
    user: admin                 # a sudoer
    port: 22
    identityFile: ~/.ssh/id_ed25519
    knownHostsFile: ~/.ssh/known_hosts
    connectTimeout: 15s
  become: { enabled: true, method: sudo }
  paths:
    manifestDir: /etc/kubernetes/manifests
    etcdDataDir: /var/lib/etcd
etcd:
  tool: auto
  tls:
    cacert: /etc/kubernetes/pki/etcd/ca.crt
    cert: /etc/kubernetes/pki/etcd/healthcheck-client.crt
    key: /etc/kubernetes/pki/etcd/healthcheck-client.key
groups:
  masters: { roles: [control-plane, etcd] }
  workers:
    roles: [worker]
vars:
  region: "example-1"
nodes:
  - <<: *member
    name: m1
    address: 192.0.2.11
    etcd: { name: etcd-a, peerURL: "https://192.0.2.11:2380", clientURL: https://192.0.2.11:2379 }
  - <<: *member
    name: m2
    address: 192.0.2.12
    etcd:
      name: etcd-b
      peerURL: https://192.0.2.12:2380
      clientURL: 'https://192.0.2.12:2379'
  - name: m3
    address: 192.0.2.13
    groups: [masters]
    etcd: { name: etcd-c }
  - { name: w1, address: 192.0.2.21, groups: [workers], labels: { zone: a } }
  - name: w2
    address: 192.0.2.22
    groups:
      - workers
`;
/** Values for the built-in runbooks' params; each runbook gets those it declares. */
const WARM_UP_PARAMS: Record<string, string> = {
  snapshot: '/nonexistent/warm-up.db',
  snapshotSha256: '0'.repeat(64),
  backupDir: '/nonexistent/backups',
  member: 'etcd-b',
};

/** Plans every built-in runbook on WARM_UP_INVENTORY; returns the names of those that planned. */
export function warmUp(): string[] {
  const planned: string[] = [];
  const dir = builtinRunbooksDir();
  const runbooks = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const inventory = { text: WARM_UP_INVENTORY, source: 'warm-up.yaml' };
  for (const f of runbooks) {
    const runbook = { text: readFileSync(join(dir, f), 'utf8'), source: f };
    const declared = readRunbook(runbook.text, f).runbook?.params.map((p) => p.name) ?? [];
    const params = declared.flatMap((name) => (WARM_UP_PARAMS[name] === undefined ? [] : [`${name}=${WARM_UP_PARAMS[name]}`]));
    validateTexts(runbook, inventory, params);
    try {
      planTexts(runbook, inventory, params);
      planned.push(f);
    } catch {
      // a runbook that needs other params: its reading and validation ran, that is enough
    }
  }
  // Composed after the warm-up, which parsed them itself: a prepared text is used once.
  for (const f of runbooks) prepareYaml(readFileSync(join(dir, f), 'utf8'));
  return planned;
}

/**
 * Formats the help of every command of a throwaway program (80 columns, no colour, as for a pipe):
 * the help code is compiled then. Through commander's Help directly: the program's own output
 * functions would look at process.stdout, which must not exist in the snapshot.
 */
export function warmUpHelp(): number {
  const program = createProgram();
  let chars = 0;
  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    const help = cmd.createHelp();
    help.prepareContext({ helpWidth: 80, outputHasColors: false });
    chars += help.formatHelp(cmd, help).length;
  }
  return chars;
}

export async function start(program: ReturnType<typeof createProgram>): Promise<void> {
  const blob = blobOf(process.execArgv);
  if (blob === undefined) throw new Error('kubedr: started from a snapshot without --snapshot-blob in execArgv');
  locate(packageRootOfBlob(blob));
  exitQuietlyOnBrokenPipe();
  if (process.env['KUBEDR_TRACE_START'] === '1') process.stderr.write(`kubedr: started from the snapshot ${blob}\n`);
  // `node --snapshot-blob B -- ARGS`: argv is [node, ...ARGS].
  process.exitCode = await main(process.argv.slice(1), program);
}
