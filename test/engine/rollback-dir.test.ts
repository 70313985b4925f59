// Rollback with real files: a failure at a late step on one node unwinds every completed step,
// and every node directory is byte-identical to before the run.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rollbackRun } from '../../src/app/rollback.js';
import { runPlan } from '../../src/app/run.js';
import { readJournal } from '../../src/journal/index.js';
import type { PlannedAction } from '../../src/model/index.js';
import { DirTransport } from './support/dir-transport.js';
import { lit, makePlan, sh } from './support/plans.js';
import { hashTree, listTree } from './support/tree.js';

const NODES = ['cp1', 'cp2', 'cp3'];
const MANIFEST = `# written by kubeadm
apiVersion: v1
kind: Pod
metadata:
  name: etcd
spec:
  containers:
  - command:
    - etcd
    - --data-dir=/var/lib/etcd # keep in sync with the volume
    - --initial-cluster-state=new
    name: etcd
  volumes:
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
`;

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

async function setup(): Promise<{ nodes: string; state: string; before: Record<string, string> }> {
  root = await mkdtemp(join(tmpdir(), 'kubedr-rollback-'));
  const nodes = join(root, 'nodes');
  const before: Record<string, string> = {};
  for (const n of NODES) {
    const d = join(nodes, n);
    await mkdir(join(d, 'etc/kubernetes/manifests'), { recursive: true });
    await mkdir(join(d, 'var/lib/etcd/member/snap'), { recursive: true });
    await writeFile(join(d, 'etc/kubernetes/manifests/etcd.yaml'), MANIFEST);
    await writeFile(join(d, 'etc/kubernetes/manifests/kube-apiserver.yaml'), `# apiserver on ${n}\n`);
    await writeFile(join(d, 'var/lib/etcd/member/snap/db'), `old data of ${n}\n`);
    before[n] = await hashTree(d);
  }
  return { nodes, state: join(root, 'state'), before };
}

const manifestEdit: PlannedAction = {
  kind: 'manifest',
  file: lit('etc/kubernetes/manifests/etcd.yaml'),
  sudo: false,
  edits: [
    { op: 'setFlag', flag: 'initial-cluster-state', value: lit('existing') },
    { op: 'setFlag', flag: 'data-dir', value: lit('/var/lib/etcd-restored') },
    { op: 'setHostPath', volume: 'etcd-data', path: lit('/var/lib/etcd-restored') },
  ],
};

function restorePlan(failOn: string | undefined) {
  return makePlan([
    { id: 'stop-api', nodes: NODES, action: sh('mv etc/kubernetes/manifests/kube-apiserver.yaml etc/kubernetes/'), undo: sh('mv etc/kubernetes/kube-apiserver.yaml etc/kubernetes/manifests/') },
    { id: 'restore', nodes: NODES, action: sh('mkdir var/lib/etcd-restored && echo "restored on $NODE_NAME" > var/lib/etcd-restored/db'), undo: sh('rm -r var/lib/etcd-restored') },
    { id: 'swap', nodes: NODES, concurrency: { mode: 'serial' }, action: sh('mv var/lib/etcd var/lib/etcd.old'), undo: sh('mv var/lib/etcd.old var/lib/etcd') },
    { id: 'flags', nodes: NODES, action: manifestEdit },
    {
      id: 'check',
      nodes: NODES,
      idempotent: true,
      // The original is kept outside the manifests dir (the kubelet would run a copy inside it).
      action: sh('grep -q -- --initial-cluster-state=existing etc/kubernetes/manifests/etcd.yaml && [ "$(ls etc/kubernetes/manifests)" = etcd.yaml ] && grep -q "# keep in sync" etc/kubernetes/kubedr-backup/*/flags/etcd.yaml'),
    },
    { id: 'verify', nodes: NODES, action: sh(failOn ? `test "$NODE_NAME" != ${failOn}` : 'true') },
  ]);
}

describe('rollback over real files', () => {
  it('a failure at the last step on one node rolls every node back to byte-identical trees', async () => {
    const { nodes, state, before } = await setup();
    const t = new DirTransport(nodes);
    const out = await runPlan({ plan: restorePlan('cp2'), stateDir: state, runId: 'r1', transport: t, localTransport: t, approve: () => Promise.resolve(true), rollback: 'auto', nodeLock: { dir: 'kubedr-lock', sudo: false } });
    expect(out.result.tasks.get('check@cp1')?.outcome).toBe('done');
    expect(out.result.tasks.get('verify@cp2')?.outcome).toBe('failed');
    expect(out.result.outcome).toBe('rolled-back');
    for (const n of NODES) {
      const d = join(nodes, n);
      expect(await hashTree(d), `${n}: ${(await listTree(d)).join(' ')}`).toBe(before[n]);
    }
    // A second rollback finds nothing left to undo and undoes nothing twice.
    const again = await rollbackRun({ runId: 'r1', stateDir: state, transport: t, localTransport: t, approve: () => Promise.resolve(true), nodeLock: { dir: 'kubedr-lock', sudo: false } });
    expect(again.remaining).toBe(0);
    expect(again.result.tasks.size).toBe(0);
  });

  it('kubedr rollback continues a rollback that failed halfway, never undoing twice', async () => {
    const { nodes, state, before } = await setup();
    const t = new DirTransport(nodes);
    const common = { stateDir: state, transport: t, localTransport: t, approve: () => Promise.resolve(true), nodeLock: { dir: 'kubedr-lock', sudo: false } as const };
    const run = await runPlan({ ...common, plan: restorePlan('cp3'), runId: 'r2', rollback: 'never' });
    expect(run.result.outcome).toBe('failed');
    // Make the undo of `swap` fail on cp1: the rollback stops there.
    await writeFile(join(nodes, 'cp1/var/lib/etcd'), 'in the way\n');
    const first = await rollbackRun({ ...common, runId: 'r2' });
    expect(first.result.outcome).toBe('failed');
    expect(first.remaining).toBeGreaterThan(0);
    await rm(join(nodes, 'cp1/var/lib/etcd'));
    const second = await rollbackRun({ ...common, runId: 'r2' });
    expect(second.result.outcome).toBe('rolled-back');
    expect(second.remaining).toBe(0);
    for (const n of NODES) expect(await hashTree(join(nodes, n))).toBe(before[n]);
    const { records } = await readJournal(join(state, 'runs/r2/journal.jsonl'));
    const okUndos = records.filter((r) => r.r === 'undo-end' && r.outcome === 'done').map((r) => (r.r === 'undo-end' ? r.key : ''));
    expect(okUndos.length).toBe(new Set(okUndos).size);
    // stop-api, restore, swap, flags on 3 nodes (check and verify have no undo).
    expect(okUndos.length).toBe(12);
  });
});
