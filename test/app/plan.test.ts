// Acceptance for issue 3: the HA restore plan, Kubespray equivalence, stable hashes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planTexts } from '../../src/app/plan.js';
import type { Plan } from '../../src/model/index.js';
import { displayText } from '../../src/plan/index.js';
import { FIXTURES } from '../helpers/build.js';

const file = (p: string) => ({ text: readFileSync(`${FIXTURES}/${p}`, 'utf8'), source: `${FIXTURES}/${p}` });
const PARAMS = ['snapshot=/backups/etcd.db', 'snapshotSha256=abc'];
const ha = (inventory = 'inventories/three-masters.yaml', params = PARAMS) => planTexts(file('runbooks/ha-restore.yaml'), file(inventory), params).plan;

function restoreCommands(plan: Plan): Map<string, string> {
  const step = plan.phases.flatMap((p) => p.steps).find((s) => s.id === 'restore-member');
  return new Map((step?.tasks ?? []).map((t) => [t.node, t.action.kind === 'shell' ? displayText(t.action.script) : '']));
}
const flag = (cmd: string, name: string) => new RegExp(`${name} (\\S+)`).exec(cmd)?.[1];

describe('3-master HA restore plan', () => {
  const plan = ha();
  const cmds = restoreCommands(plan);

  it('restores every etcd member once, in name order, one at a time', () => {
    expect([...cmds.keys()]).toEqual(['cp1', 'cp2', 'cp3']);
    const step = plan.phases[1]?.steps[1];
    expect(step?.concurrency).toEqual({ mode: 'serial' });
    expect(step?.retry).toEqual({ attempts: 2, backoffMs: 10_000 });
    expect(step?.timeoutMs).toBe(600_000);
  });

  it('renders an identical --initial-cluster on every member', () => {
    const values = new Set([...cmds.values()].map((c) => flag(c, '--initial-cluster')));
    expect([...values]).toEqual(['cp1=https://127.0.0.11:2380,cp2=https://127.0.0.12:2380,etcd-three=https://127.0.0.13:2380']);
  });

  it('renders each member its own --name and peer URL', () => {
    const identity = [...cmds].map(([node, c]) => [node, flag(c, '--name'), flag(c, '--initial-advertise-peer-urls')]);
    expect(identity).toEqual([
      ['cp1', 'cp1', 'https://127.0.0.11:2380'],
      ['cp2', 'cp2', 'https://127.0.0.12:2380'],
      ['cp3', 'etcd-three', 'https://127.0.0.13:2380'],
    ]);
  });

  it('keeps the captured join command a secret run-time reference', () => {
    const rejoin = plan.phases[3]?.steps[1];
    const script = rejoin?.tasks[0]?.action;
    expect(script?.kind === 'shell' && script.script.parts).toContainEqual({ t: 'ref', ref: 'steps.join-command.stdout', quote: false, secret: true });
    expect(rejoin?.raw).toEqual(['{{ steps.join-command.stdout | raw }}']);
    expect(JSON.stringify(plan)).not.toContain('kubeadm join');
  });

  it('keeps run.id a reference so the hash does not change per run', () => {
    const undo = plan.phases[1]?.steps[1]?.tasks[0]?.undo;
    expect(undo?.kind === 'shell' && undo.script.parts).toContainEqual({ t: 'ref', ref: 'run.id', quote: true, secret: false });
  });

  it('has approval gates: the confirm step and the confirm before start-etcd', () => {
    const steps = plan.phases.flatMap((p) => p.steps);
    expect(steps[0]?.tasks[0]?.action).toEqual({ kind: 'confirm', message: { parts: [{ t: 'lit', v: 'Restore lab from /backups/etcd.db? The API will be down.' }] } });
    expect(steps.find((s) => s.id === 'start-etcd')?.confirm).toBe('All members restored; start etcd?');
  });

  it('skips the worker phase when rejoinWorkers=false, keeping the steps', () => {
    const p = ha('inventories/three-masters.yaml', [...PARAMS, 'rejoinWorkers=false']);
    expect(p.phases[3]?.steps.map((s) => [s.id, s.skipped, s.tasks.length])).toEqual([
      ['join-command', true, 0],
      ['rejoin', true, 0],
    ]);
  });
});

describe('plan hash', () => {
  it('is the same for the same inputs', () => {
    expect(ha().hash).toBe(ha().hash);
    expect(ha().hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores where the files were read from', () => {
    const moved = planTexts({ ...file('runbooks/ha-restore.yaml'), source: '/elsewhere/rb.yaml' }, { ...file('inventories/three-masters.yaml'), source: '/x/inv.yaml' }, PARAMS).plan;
    expect(moved.hash).toBe(ha().hash);
  });

  it('changes when a param changes what runs', () => {
    expect(ha('inventories/three-masters.yaml', [...PARAMS, 'token=other']).hash).not.toBe(ha().hash);
  });

  it('is the same for a Kubespray inventory and its native twin', () => {
    const native = ha();
    const kubespray = ha('inventories/three-masters.kubespray.yaml');
    expect(kubespray.hash).toBe(native.hash);
    expect(kubespray.phases).toEqual(native.phases);
    expect(kubespray.nodes).toEqual(native.nodes);
    expect(kubespray.inventory.hash).toBe(native.inventory.hash);
  });
});
