// What the start-up snapshot of plan and validate (src/cli/snapshot.ts) runs while it is built:
// the planner on every built-in runbook, so that the code they run is compiled in the snapshot,
// then each built-in runbook read ahead (prepareRunbook: its model, used only when a file read
// has exactly that text).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planTexts } from '../app/plan.js';
import type { Runbook } from '../model/index.js';
import { prepareRunbook } from '../runbook/index.js';
import { builtinRunbooksDir } from './package-info.js';

// A cluster shaped like kubeadm's (3 control planes with stacked etcd, 2 workers), to run the
// planner on every built-in runbook while the snapshot is built: the code that runs is compiled
// then. Written the ways inventories are (block and flow style, comments, an anchor merged into
// two nodes, groups, vars) so that the YAML parser's paths for them are among that code.
const WARM_UP_INVENTORY = `# warm-up inventory (src/cli/snapshot-warm-up.ts): never connected to
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
  const runbooks = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ source: f, text: readFileSync(join(dir, f), 'utf8') }));
  const inventory = { text: WARM_UP_INVENTORY, source: 'warm-up.yaml' };
  const prepare = (runbook: { text: string; source: string }): Runbook => {
    const kept = prepareRunbook(runbook.text);
    if (!kept) throw new Error(`built-in runbook ${runbook.source} could not be prepared for the snapshot`);
    return kept;
  };
  for (const runbook of runbooks) {
    // Read once here (the parser's code is compiled then); the planner takes the prepared model,
    // so the code that hands it over is compiled too.
    const params = prepare(runbook).params.flatMap(({ name }) => (WARM_UP_PARAMS[name] === undefined ? [] : [`${name}=${WARM_UP_PARAMS[name]}`]));
    try {
      planTexts(runbook, inventory, params);
      planned.push(runbook.source);
    } catch {
      // a runbook that needs other params: its reading and validation ran, that is enough
    }
  }
  // Read again for the snapshot: a prepared model is used once, and the warm-up used them.
  for (const runbook of runbooks) prepare(runbook);
  return planned;
}
