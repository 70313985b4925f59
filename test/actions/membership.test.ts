// The membership actions (quorum-restore, replace-member) rendered per node, without the lab:
// the member name comes from the inventory's etcd name (not the node name), every template is a
// bare word, forceNewCluster's script never holds the flag it waits to disappear from `ps`, and
// the two built-in runbooks plan on an inventory whose member names differ from node names.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as join2 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandDrAction } from '../../src/actions/index.js';
import { planTexts } from '../../src/app/plan.js';
import type { InputError } from '../../src/errors/index.js';
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
      'reachable', 'etcd-tools', 'etcd-manifest-source', 'apiserver-manifest-source', 'controller-manager-manifest-source', 'scheduler-manifest-source',
      'member-status', 'choose-survivor', 'stage-dir', 'approve', 'stash-manifests',
      'place-etcd-manifest', 'place-apiserver-manifest', 'place-controller-manager-manifest', 'place-scheduler-manifest', 'force-new-cluster',
      'rejoin-member', 'start-apiserver', 'wait-apiserver', 'restart-controllers', 'restart-kubelet', 'stale-leases', 'verify-etcd', 'verify-apiservers',
    ]);
  });
});

describe('memberAdd writes the joining manifest', () => {
  // The lines of memberAdd that turn the stopped manifest into the joining one, run by sh on a
  // real file: kubeadm init's etcd.yaml has no --initial-cluster-state, a join's has one.
  const join = (manifest: string): string => {
    const x = expandDrAction('memberAdd', { stash: '/st', stage: '/sg' });
    const lines = (x.action.kind === 'shell' ? x.action.script : '').split('\n');
    const from = lines.findIndex((l) => l.startsWith('grep -q -- "- --initial-cluster="'));
    const to = lines.findIndex((l) => l.startsWith('awk -v ic="$ic"'));
    const dir = mkdtempSync(join2(tmpdir(), 'member-add-'));
    writeFileSync(join2(dir, 'etcd.yaml.orig'), manifest);
    const snippet = ['set -e', `stash=${dir}; m=${dir}; ic=a=https://127.0.0.1:2380,b=https://127.0.0.2:2380`, ...lines.slice(from, to + 1)].join('\n');
    execFileSync('sh', ['-c', snippet]);
    return readFileSync(join2(dir, '.etcd.yaml.kubedr-tmp'), 'utf8');
  };
  const flags = (state: string) => `spec:\n  containers:\n  - command:\n    - etcd\n    - --initial-cluster=a=https://127.0.0.1:2380\n${state}    - --name=b\n`;

  it('sets --initial-cluster to the current members and the state to existing', () => {
    expect(join(flags('    - --initial-cluster-state=new\n'))).toBe(flags('').replace('--initial-cluster=a=https://127.0.0.1:2380\n', '--initial-cluster=a=https://127.0.0.1:2380,b=https://127.0.0.2:2380\n    - --initial-cluster-state=existing\n'));
  });

  it('adds --initial-cluster-state=existing where the manifest has none (kubeadm init\'s)', () => {
    expect(join(flags(''))).toBe(flags('').replace('--initial-cluster=a=https://127.0.0.1:2380\n', '--initial-cluster=a=https://127.0.0.1:2380,b=https://127.0.0.2:2380\n    - --initial-cluster-state=existing\n'));
  });
});

describe('quorum-restore takes the backup dir', () => {
  const backupDir = (json: string): string => {
    const dir = mkdtempSync(join2(tmpdir(), 'quorum-backup-'));
    writeFileSync(join2(dir, 'cluster.json'), json);
    return dir;
  };
  const memberStatus = (out: ReturnType<typeof planOf>): string => text(out.plan.phases.flatMap((p) => p.steps).find((s) => s.id === 'member-status')?.tasks[0]?.action);

  it('--param backup=DIR: the revision in its cluster.json is what the survivor is compared with', () => {
    const dir = backupDir(JSON.stringify({ cluster: 'c', revision: 4711, members: [] }));
    const out = planOf('quorum-restore', [`backup=${dir}`]);
    expect(out.plan.params.backupRevision).toBe(4711);
    expect(memberStatus(out)).toContain('b=4711');
    // A resumed run passes the derived value back in: no conflict.
    expect(planOf('quorum-restore', [`backup=${dir}`, 'backupRevision=4711']).plan.params.backupRevision).toBe(4711);
  });

  it('--param backupRevision=N alone still works', () => {
    expect(memberStatus(planOf('quorum-restore', ['backupRevision=99']))).toContain('b=99');
  });

  it('refuses a dir without a readable revision, and a number that disagrees with the dir', () => {
    const codes = (params: string[]): string[] => {
      try {
        planOf('quorum-restore', params);
        return [];
      } catch (e) {
        return (e as InputError).problems.map((p) => p.code);
      }
    };
    expect(codes([`backup=${backupDir('{"cluster":"c"}')}`])).toEqual(['PARAM_BACKUP_UNREADABLE']);
    expect(codes([`backup=${join2(tmpdir(), 'kubedr-no-such-backup')}`])).toEqual(['PARAM_BACKUP_UNREADABLE']);
    expect(codes([`backup=${backupDir('{"revision":5}')}`, 'backupRevision=6'])).toEqual(['PARAM_BACKUP_REVISION']);
  });
});
