// The membership actions (quorum-restore, replace-member) rendered per node, without the lab:
// the member name comes from the inventory's etcd name (not the node name), every template is a
// bare word, forceNewCluster's script never holds the flag it waits to disappear from `ps`, and
// the two built-in runbooks plan on an inventory whose member names differ from node names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandDrAction } from '../../src/actions/index.js';
import { planTexts } from '../../src/app/plan.js';
import type { PlannedAction } from '../../src/model/index.js';

const inventory = { text: readFileSync('test/fixtures/inventories/three-masters.yaml', 'utf8'), source: 'three-masters.yaml' };
const planOf = (name: string, params: string[] = []) => planTexts({ text: readFileSync(`runbooks/${name}.yaml`, 'utf8'), source: `${name}.yaml` }, inventory, params);
const text = (a: PlannedAction | undefined): string => (a && 'script' in a ? a.script.parts.map((p) => (p.t === 'lit' ? p.v : `<${p.ref}>`)).join('') : a && 'command' in a ? a.command.parts.map((p) => (p.t === 'lit' ? p.v : `<${p.ref}>`)).join('') : '');

describe('membership actions', () => {
  it('forceNewCluster never spells --force-new-cluster in its own command line (it greps ps for it)', () => {
    const x = expandDrAction('forceNewCluster', { survivor: 's', stash: '/st', stage: '/sg' });
    const script = x.action.kind === 'shell' ? x.action.script : '';
    expect(script).not.toContain('--force-new-cluster');
    expect(script).toContain("grep -q -- '--force-new-cluste[r]'");
    expect(x.undo?.kind).toBe('shell');
    expect(x.idempotent).toBe(true);
  });

  it('read-only actions say so; the mutating ones bring an undo', () => {
    for (const n of ['memberStatus', 'chooseSurvivor', 'checkMemberRemoval']) expect(expandDrAction(n, { member: 'm' }).readOnly, n).toBe(true);
    for (const n of ['forceNewCluster', 'memberAdd', 'staleLeases']) expect(expandDrAction(n, { survivor: 's', stash: '/a', stage: '/b', keep: '/k' }).undo, n).toBeDefined();
    // etcd never takes a removed member ID back: no undo to promise.
    expect(expandDrAction('memberRemove', { member: 'm', stage: '/b' }).undo).toBeUndefined();
  });
});

describe('replace-member and quorum-restore plans', () => {
  it('replace-member acts on the node of the named member, by its etcd name', () => {
    const out = planOf('replace-member', ['member=etcd-three']);
    const add = out.plan.phases.flatMap((p) => p.steps).find((s) => s.id === 'member-add');
    const cp3 = add?.tasks.find((t) => t.node === 'cp3');
    expect(text(cp3?.action)).toContain("want=etcd-three\n[ etcd-three = \"$want\" ]");
    expect(text(add?.tasks.find((t) => t.node === 'cp1')?.action)).toContain('[ cp1 = "$want" ]');
    expect(add?.concurrency).toEqual({ mode: 'parallel' });
  });

  it('quorum-restore re-adds members one at a time, through the survivor it chose at run time', () => {
    const out = planOf('quorum-restore');
    const steps = out.plan.phases.flatMap((p) => p.steps);
    const rejoin = steps.find((s) => s.id === 'rejoin-member');
    expect(rejoin?.concurrency).toEqual({ mode: 'serial' });
    expect(text(rejoin?.tasks[0]?.action)).toContain('skip=<steps.choose-survivor.stdout>');
    expect(steps.map((s) => s.id)).toEqual([
      'reachable', 'etcd-tools', 'member-status', 'choose-survivor', 'stage-dir', 'approve', 'stash-manifests', 'wait-stopped', 'force-new-cluster',
      'rejoin-member', 'start-apiserver', 'wait-apiserver', 'restart-controllers', 'restart-kubelet', 'stale-leases', 'verify-etcd', 'verify-apiservers',
    ]);
  });
});
