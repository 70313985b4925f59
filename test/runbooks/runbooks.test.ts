// The built-in runbooks (runbooks/*.yaml) as data: they validate against every example
// inventory, render the etcd identities the procedures require, carry an undo and a check on
// every mutating step, never `rm -r` anything, and keep the join command a secret.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planTexts } from '../../src/app/plan.js';
import { validateTexts } from '../../src/app/validate.js';
import type { Plan, PlannedAction, PlanStep, Runbook } from '../../src/model/index.js';
import { displayText } from '../../src/plan/index.js';
import { parseRunbook } from '../../src/runbook/index.js';
import { deriveRehearsal } from '../../src/app/rehearsal/derive.js';
import { stepGroups } from '../../src/model/index.js';
import { etcdMemberName, renderInventory } from '../lab/inventory.js';
import { nodeDirs, type LabNode } from '../lab/node-start.js';
import { MemoryTransport } from '../engine/support/memory-transport.js';
import { runInMemory } from '../engine/support/harness.js';
import { RUNBOOKS_DIR } from './drive.js';

const RUNBOOKS = readdirSync(RUNBOOKS_DIR).filter((f) => f.endsWith('.yaml')).sort();
const file = (dir: string, name: string): { text: string; source: string } => ({ text: readFileSync(join(dir, name), 'utf8'), source: `${dir}/${name}` });
const runbook = (name: string): { text: string; source: string } => file(RUNBOOKS_DIR, name);

const labNode = (name: string, last: number, roles: LabNode['roles']): LabNode => ({
  name, address: `127.150.0.${last}`, sshPort: 22, roles, ...(roles.includes('etcd') ? { etcdName: etcdMemberName(name) } : {}), dirs: nodeDirs('/tmp/kubedr-lab-t', name),
});
const LAB = {
  text: renderInventory({
    id: 't', sshPort: 22, clientKeyPath: '/tmp/kubedr-lab-t/client_key', knownHostsPath: '/tmp/kubedr-lab-t/known_hosts',
    nodes: [labNode('cp1', 1, ['control-plane', 'etcd']), labNode('cp2', 2, ['control-plane', 'etcd']), labNode('cp3', 3, ['control-plane', 'etcd']), labNode('w1', 11, ['worker']), labNode('w2', 12, ['worker'])],
  }),
  source: 'lab/inventory.yaml',
};
const INVENTORIES = { lab: LAB, kubeadm: file('inventories', 'kubeadm-3-master.yaml'), external: file('inventories', 'external-etcd.yaml'), example: file('inventories', 'example.yaml') };
const SNAPSHOT_PARAMS = ['snapshot=README.md', `snapshotSha256=${'0'.repeat(64)}`];
const paramsFor = (name: string): string[] => (name === 'replace-member.yaml' ? ['member=cp-c'] : /restore/.test(name) && name !== 'quorum-restore.yaml' ? SNAPSHOT_PARAMS : []);

/** Steps that only read: no undo needed. Their scripts are checked for mutating commands below. */
const READ_ONLY = new Set([
  'snapshot-sha256', 'single-member', 'reachable', 'etcd-member', 'snapshot-status', 'node-certs-available',
  'verify-staged-snapshot', 'verify-etcd', 'verify-apiservers', 'verify-local', 'joined', 'probes-current',
]);
/** Nothing to undo: a kubelet restart; a member removal (etcd never takes a removed ID back: resume re-adds it). */
const NO_UNDO = new Set(['restart-kubelet', 'member-remove']);
const MUTATING_COMMAND = /(^|[\s;|&({])(mv|rm|cp|mkdir|rmdir|chmod|tee|sed -i|tar|systemctl (stop|start|restart)|kubeadm (reset|join)|etcdctl .*(put|del|snapshot (save|restore)))(\s|$)|[^2&]>\s*[^&/]|>\s*\$/m;

function planOf(name: string, inv: { text: string; source: string }): Plan {
  return planTexts(runbook(name), inv, paramsFor(name)).plan;
}

const steps = (plan: Plan): PlanStep[] => plan.phases.flatMap((p) => p.steps);
const text = (a: PlannedAction): string => {
  switch (a.kind) {
    case 'shell': return displayText(a.script);
    case 'local': case 'capture': case 'wait': return displayText(a.command);
    case 'confirm': return displayText(a.message);
    case 'manifest': return displayText(a.file);
    case 'placeManifest': return `${a.file} ${displayText(a.stash)}`;
    case 'ensureFiles': return a.files.join(' ');
    default: return `${displayText(a.src)} ${displayText(a.dest)}`;
  }
};

describe('built-in runbooks', () => {
  it('are the five of issue 5 and the two of issue 14, each documented at its top', () => {
    expect(RUNBOOKS).toEqual(['etcd-backup.yaml', 'external-etcd-restore.yaml', 'ha-restore.yaml', 'quorum-restore.yaml', 'rejoin-workers.yaml', 'replace-member.yaml', 'single-restore.yaml']);
    for (const name of RUNBOOKS) {
      const head = runbook(name).text.split('\n').slice(0, 12);
      expect(head.filter((l) => l.startsWith('#')).length, name).toBeGreaterThanOrEqual(8);
      expect(head.join('\n'), name).toContain(`# ${name.replace('.yaml', '')} — `);
    }
  });

  for (const name of RUNBOOKS) {
    for (const [inv, text] of Object.entries(INVENTORIES)) {
      it(`${name} validates against the ${inv} inventory without problems`, () => {
        const report = validateTexts(runbook(name), text, paramsFor(name));
        expect(report.problems.map((p) => `${p.code}: ${p.message}`)).toEqual([]);
        expect(report.plan).toBeDefined();
      });
    }
  }

  it('a missing snapshot param is reported, with nothing planned', () => {
    const report = validateTexts(runbook('ha-restore.yaml'), INVENTORIES.kubeadm);
    expect(report.problems.map((p) => p.code)).toEqual(['PARAM_RESTORE_SOURCE']);
    expect(report.plan).toBeUndefined();
  });

  for (const name of RUNBOOKS) {
    it(`${name}: every mutating step has an undo and a check; read-only steps mutate nothing`, () => {
      const plan = planOf(name, name.startsWith('external') ? INVENTORIES.external : INVENTORIES.kubeadm);
      for (const step of steps(plan)) {
        for (const task of step.tasks) {
          const a = task.action;
          if (a.kind === 'confirm' || a.kind === 'wait' || a.kind === 'download' || a.kind === 'capture') continue;
          if (READ_ONLY.has(step.id) || step.readOnly === true) {
            expect(text(a), `${name} ${step.id} is listed read-only`).not.toMatch(MUTATING_COMMAND);
            continue;
          }
          // A manifest edit's undo is implicit (the engine keeps the original and moves it back).
          if (a.kind !== 'manifest' && !NO_UNDO.has(step.id)) expect(task.undo, `${name} ${task.key} has no undo`).toBeDefined();
          expect(task.check, `${name} ${task.key} has no check`).toBeDefined();
          if (task.check) expect(text(task.check), `${name} ${task.key}'s check`).not.toMatch(MUTATING_COMMAND);
        }
      }
    });
  }

  for (const name of RUNBOOKS) {
    it(`${name}: every step can be rehearsed (a check that needs no capture, or readOnly), and readOnly steps mutate nothing`, () => {
      const plan = planOf(name, name.startsWith('external') ? INVENTORIES.external : INVENTORIES.kubeadm);
      const { decided, unsafe } = deriveRehearsal(plan, []);
      expect(unsafe, name).toEqual([]);
      // The only cells a rehearsal decides without probing are the approval gates.
      expect(decided.filter((c) => c.reason !== 'asks the operator').map((c) => `${c.stepId}@${c.node}: ${c.reason ?? ''}`), name).toEqual([]);
      for (const step of steps(plan).filter((s) => s.readOnly === true)) {
        for (const task of step.tasks) expect(text(task.action), `${name} ${task.key} is readOnly`).not.toMatch(MUTATING_COMMAND);
      }
    });
  }

  it('the restore runbooks are DR action steps: no step carries more than a few lines of shell', () => {
    for (const name of ['ha-restore.yaml', 'single-restore.yaml', 'external-etcd-restore.yaml', 'rejoin-workers.yaml']) {
      const rb: Runbook | undefined = parseRunbook(runbook(name).text, name);
      for (const step of rb?.phases.flatMap((p) => p.steps) ?? []) {
        if (step.uses) continue;
        const a = step.action;
        const body = a.kind === 'shell' ? a.script : a.kind === 'local' || a.kind === 'wait' || a.kind === 'capture' ? a.command : '';
        expect(body.trim().split('\n').length, `${name} ${step.id}`).toBeLessThanOrEqual(3);
      }
      expect((rb?.phases.flatMap((p) => p.steps) ?? []).filter((s) => s.uses).length, name).toBeGreaterThanOrEqual(name === 'rejoin-workers.yaml' ? 3 : 15);
    }
  });

  it('no runbook removes a directory recursively (old data dirs are moved aside, never deleted)', () => {
    for (const name of RUNBOOKS) {
      const t = runbook(name).text;
      expect(t, name).not.toMatch(/\brm\s+(-[a-zA-Z]*[rR]|--recursive)/);
      expect(t, name).not.toMatch(/\brm\b[^\n]*(etcdDataDir|\/var\/lib\/etcd)/);
    }
  });

  it('every step of the restores is safe to re-run (idempotent) or a gate', () => {
    for (const name of ['ha-restore.yaml', 'single-restore.yaml', 'external-etcd-restore.yaml', 'rejoin-workers.yaml', 'quorum-restore.yaml', 'replace-member.yaml']) {
      for (const step of steps(planOf(name, name.startsWith('external') ? INVENTORIES.external : INVENTORIES.kubeadm))) {
        const gate = step.tasks.every((t) => t.action.kind === 'confirm' || t.action.kind === 'wait' || t.action.kind === 'capture');
        expect(step.idempotent || gate, `${name} ${step.id}`).toBe(true);
      }
    }
  });
});

describe('ha-restore plan', () => {
  const plan = planOf('ha-restore.yaml', INVENTORIES.kubeadm);
  const members = [['cp-a', '10.20.0.11'], ['cp-b', '10.20.0.12'], ['cp-c', '10.20.0.13']] as const;
  const initialCluster = members.map(([n, ip]) => `${n}=https://${ip}:2380`).join(',');

  it.each(['restore-snapshot', 'restore-member'])('%s restores every member with the identical --initial-cluster, its own --name and peer URL, and a fresh token', (id) => {
    const restore = steps(plan).find((s) => s.id === id);
    expect(restore?.tasks.map((t) => t.node)).toEqual(members.map(([n]) => n));
    const scripts = (restore?.tasks ?? []).map((t) => text(t.action));
    for (const [i, [name, ip]] of members.entries()) {
      const s = scripts[i] ?? '';
      expect(s).toContain(`--name ${name} `);
      expect(s).toContain(`--initial-advertise-peer-urls https://${ip}:2380 `);
      expect(s).toContain('--initial-cluster-token kubedr-{{ run.id }}');
      expect(s).toMatch(/--data-dir "\$out\.partial"/);
    }
    const clusters = scripts.map((s) => /--initial-cluster (\S+)/.exec(s)?.[1]);
    expect(new Set(clusters)).toEqual(new Set([initialCluster]));
  });

  it('edits etcd.yaml in the run stash (outside the manifests dir) with --initial-cluster and state existing', () => {
    const edit = steps(plan).find((s) => s.id === 'edit-etcd-manifest');
    for (const t of edit?.tasks ?? []) {
      const a = t.action;
      if (a.kind !== 'manifest') throw new Error('edit-etcd-manifest is not a manifest action');
      expect(displayText(a.file)).toBe('/etc/kubernetes/kubedr-stash/{{ run.id }}/etcd.yaml');
      expect(a.edits.map((e) => (e.op === 'setFlag' ? `${e.flag}=${displayText(e.value)}` : e.op))).toEqual([`--initial-cluster=${initialCluster}`, '--initial-cluster-state=existing', 'relaxProbes']);
    }
  });

  it("relaxes etcd's probes for the staged snapshot's size, and puts the original ones back once quorum holds, before any apiserver", () => {
    const edit = steps(plan).find((s) => s.id === 'edit-etcd-manifest')?.tasks[0]?.action;
    if (edit?.kind !== 'manifest') throw new Error('edit-etcd-manifest is not a manifest action');
    expect(edit.edits.flatMap((e) => (e.op === 'relaxProbes' ? [displayText(e.dbFile)] : []))).toEqual(['/var/lib/kubedr/runs/{{ run.id }}/snapshot.db']);
    const back = steps(plan).find((s) => s.id === 'restore-etcd-probes');
    expect(back?.tasks.length).toBe(3);
    for (const t of back?.tasks ?? []) {
      const a = t.action;
      if (a.kind !== 'manifest') throw new Error('restore-etcd-probes is not a manifest action');
      expect(displayText(a.file)).toBe('/etc/kubernetes/manifests/etcd.yaml');
      expect(a.edits.map((e) => (e.op === 'restoreProbes' ? displayText(e.from) : e.op))).toEqual(['/etc/kubernetes/kubedr-stash/kubedr-backup/{{ run.id }}/edit-etcd-manifest/etcd.yaml']);
    }
    const ids = steps(plan).map((s) => s.id);
    const order = ['wait-quorum', 'restore-etcd-probes', 'probes-current', 'wait-quorum-probes', 'start-apiserver'];
    expect(ids.filter((id) => order.includes(id))).toEqual(order);
  });

  it('checks the snapshot before the approval gate and stops nothing before it', () => {
    const ids = steps(plan).map((s) => s.id);
    const gate = ids.indexOf('approve');
    // Every check is among the steps before the gate (an order of step ids, not of time).
    expect(ids.slice(0, gate)).toEqual(expect.arrayContaining(['snapshot-sha256', 'etcd-member', 'upload-snapshot', 'restore-snapshot']));
    // Before the gate the restore writes only into the staging dir: the swap waits for the stop.
    const restoreScript = (id: string): string => { const a = steps(plan).find((s) => s.id === id)?.tasks[0]?.action; return a ? text(a) : ''; };
    expect(restoreScript('restore-snapshot')).toContain('snapshot restore');
    expect(restoreScript('restore-snapshot')).not.toMatch(/mv -- "\$data"/);
    expect(restoreScript('restore-member')).toMatch(/mv -- "\$data" "\$old"/);
    for (const after of ['stash-manifests', 'restore-member', 'rejoin']) expect(ids.indexOf(after)).toBeGreaterThan(gate);
    expect(ids.indexOf('wait-quorum')).toBeLessThan(ids.indexOf('start-apiserver'));
  });

  it('runs beside the snapshot copy only read-only checks and kubedr\'s own staging; writes to cluster files wait for every check', () => {
    const pre = plan.phases.find((p) => p.name === 'preflight')?.steps ?? [];
    const groups = stepGroups(pre).map((g) => g.map((s) => s.id));
    const staging = new Set(['stage-dir', 'upload-snapshot', 'restore-snapshot', 'snapshot-revision']);
    for (const g of groups.filter((x) => x.length > 1)) {
      for (const id of g) expect(READ_ONLY.has(id) || staging.has(id) || id.endsWith('-manifest-source'), `${id} runs beside ${g.join(', ')}`).toBe(true);
    }
    // restore-node-certs (the first write outside the staging dir) starts after every source check has ended.
    const at = (id: string): number => groups.findIndex((g) => g.includes(id));
    const before = (id: string): string[] => groups.slice(0, at(id)).flat();
    expect(before('restore-node-certs')).toEqual(expect.arrayContaining(['node-certs-available', 'etcd-member', 'snapshot-sha256', 'restore-snapshot', 'etcd-manifest-source', 'apiserver-manifest-source', 'controller-manager-manifest-source', 'scheduler-manifest-source']));
    expect(groups[at('restore-node-certs')]).toEqual(['restore-node-certs']);
    expect(before('restore-snapshot')).toContain('upload-snapshot');
  });

  it('captures the join command as a secret: the plan shows only a placeholder', () => {
    const joinStep = steps(plan).find((s) => s.id === 'join-command');
    const a = joinStep?.tasks[0]?.action;
    expect(joinStep?.tasks.length).toBe(1);
    expect(a?.kind === 'capture' && a.secret).toBe(true);
    const rendered = planTexts(runbook('ha-restore.yaml'), INVENTORIES.kubeadm, SNAPSHOT_PARAMS).text;
    expect(rendered).toContain('<secret:steps.join-command.stdout> --ignore-preflight-errors=');
    expect(rendered).not.toMatch(/kubeadm join \S+:6443/);
  });
});

describe('rejoin-workers in the engine', () => {
  it('never lets the captured join command reach events or the journal', async () => {
    const secret = 'kubeadm join 10.20.0.11:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00';
    const plan = planOf('rejoin-workers.yaml', INVENTORIES.kubeadm);
    const transport = new MemoryTransport((_node, command) => (command.includes('kubeadm token create') ? { stdout: `${secret}\n` } : command.includes('readyz') ? { stdout: 'ok' } : { stdout: 'done\n' }));
    const h = await runInMemory(plan, transport, { yes: true });
    expect(h.result.outcome).toBe('done');
    expect(transport.calls.filter((c) => c.command.includes('0123456789abcdef')).map((c) => c.node).sort()).toEqual(['worker-1', 'worker-2', 'worker-3']);
    expect(JSON.stringify(h.events)).not.toContain('0123456789abcdef');
    expect(JSON.stringify(h.journal)).not.toContain('0123456789abcdef');
  });
});

describe('single-restore', () => {
  const guard = (inv: { text: string; source: string }): { status: number | null; stderr: string } => {
    const step = steps(planTexts(runbook('single-restore.yaml'), inv, SNAPSHOT_PARAMS).plan).find((s) => s.id === 'single-member');
    const a = step?.tasks[0]?.action;
    if (a?.kind !== 'local') throw new Error('single-member is not a local step');
    return spawnSync('sh', ['-c', displayText(a.command)], { encoding: 'utf8' });
  };

  it('refuses an inventory with several etcd members before anything runs on a node', () => {
    const r = guard(INVENTORIES.kubeadm);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('use ha-restore');
  });

  it('goes on with exactly one member', () => {
    const one = { text: INVENTORIES.kubeadm.text.replace(/ {2}- name: cp-b[\s\S]*?(?= {2}- \{ name: worker-1)/, ''), source: 'one-master.yaml' };
    expect(planTexts(runbook('single-restore.yaml'), one, SNAPSHOT_PARAMS).plan.nodes.map((n) => n.name)).toEqual(['cp-a', 'worker-1', 'worker-2', 'worker-3']);
    expect(guard(one).status).toBe(0);
  });
});

describe('etcd-backup', () => {
  it('parses with every download landing under <backupDir>/<cluster>-<run>/', () => {
    const rb = parseRunbook(runbook('etcd-backup.yaml').text, 'etcd-backup.yaml');
    const dl = rb.phases.flatMap((p) => p.steps).filter((s) => s.action.kind === 'download');
    expect(dl.map((s) => (s.action.kind === 'download' ? s.action.dest : ''))).toEqual(
      ['.parts/{{ node.name }}.tar', 'snapshot.db', 'snapshot.db.sha256', 'cluster.json'].map((f) => `{{ params.backupDir }}/{{ cluster.name }}-{{ run.id }}/${f}`),
    );
    // Every control-plane and etcd node, not only the first member.
    const collect = rb.phases.flatMap((p) => p.steps).find((s) => s.id === 'collect-node-files');
    expect(collect?.targets).toEqual({ roles: ['control-plane', 'etcd'] });
  });
});
