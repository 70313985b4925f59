// Planning speed: 1,000 nodes × 20 steps (20,000 tasks) must plan in under 1 s. Ratios: the
// 1,000-node plan against a fixed reference workload (JSON round-trip of the same plan, so the
// figure survives a loaded machine) and against 100 nodes (planning must stay linear).
import { parseInventory } from '../src/inventory/index.js';
import type { Inventory, Runbook } from '../src/model/index.js';
import { buildPlan } from '../src/plan/index.js';
import { parseRunbook } from '../src/runbook/index.js';
import type { BenchSuite } from './run.js';

function inventoryYaml(nodes: number): string {
  const lines = ['apiVersion: kubedr.io/v1alpha1', 'kind: Inventory', 'cluster: { name: bench }', 'groups:', '  masters: { roles: [control-plane, etcd] }', 'nodes:'];
  for (let i = 0; i < nodes; i++) {
    const address = `127.${Math.floor(i / 250)}.${i % 250}.${1 + (i % 3)}`;
    lines.push(i < 3 ? `  - { name: cp${i}, address: ${address}, groups: [masters], labels: { zone: z${i} } }` : `  - { name: n${i}, address: ${address}, roles: [worker], labels: { zone: z${i % 3} } }`);
  }
  return `${lines.join('\n')}\n`;
}

function runbookYaml(steps: number): string {
  const lines = ['apiVersion: kubedr.io/v1alpha1', 'kind: Runbook', 'metadata: { name: bench }', 'params:', '  dir: { type: path, default: /var/lib/etcd-restored }', '  token: { type: secret }', 'phases:', '  - name: all', '    steps:'];
  lines.push('      - id: grab', '        targets: { roles: [etcd], one: true }', '        capture: { command: kubeadm token create --print-join-command, secret: true }');
  for (let s = 1; s < steps; s++) {
    lines.push(
      `      - id: s${s}`,
      '        targets: { roles: [control-plane, etcd, worker] }',
      '        concurrency: { parallel: 50 }',
      `        shell: run-step ${s} {{ node.name }} {{ node.address }} {{ node.labels.zone }} --initial-cluster {{ cluster.initialCluster }} --data-dir {{ params.dir }} {{ steps.grab.stdout | raw }}`,
      `        undo: { shell: "rm -f /tmp/s${s}-{{ node.name }}-{{ run.id }}" }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const prepared = (nodes: number) => () => ({ inventory: parseInventory(inventoryYaml(nodes), 'bench.yaml'), runbook: parseRunbook(runbookYaml(20), 'bench-runbook.yaml') });
const plan = (p: unknown) => {
  const { inventory, runbook } = p as { inventory: Inventory; runbook: Runbook };
  return buildPlan(runbook, inventory);
};

const suite: BenchSuite = {
  suite: 'plan',
  cases: [
    {
      name: 'reference: JSON round-trip of the plan',
      setup: () => plan(prepared(1000)()),
      run: (p) => JSON.parse(JSON.stringify(p)) as unknown,
      iterations: 10,
    },
    { name: 'buildPlan 100 nodes x 20 steps', setup: prepared(100), run: plan, iterations: 20 },
    { name: 'buildPlan 1000 nodes x 20 steps', baseline: 'reference: JSON round-trip of the plan', setup: prepared(1000), run: plan, iterations: 10, targetMs: 1000 },
    { name: 'buildPlan 1000 vs 100 nodes', baseline: 'buildPlan 100 nodes x 20 steps', setup: prepared(1000), run: plan, iterations: 5 },
    {
      name: 'parse + plan 1000 nodes x 20 steps',
      baseline: 'buildPlan 1000 nodes x 20 steps',
      setup: () => ({ inv: inventoryYaml(1000), rb: runbookYaml(20) }),
      run: (p) => {
        const { inv, rb } = p as { inv: string; rb: string };
        return buildPlan(parseRunbook(rb, 'r.yaml'), parseInventory(inv, 'i.yaml'));
      },
      iterations: 5,
      targetMs: 1000,
    },
  ],
};
export default suite;
