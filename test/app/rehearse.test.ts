// Rehearsal derivation (pure): what the engine is given instead of the runbook's actions, which
// cells are decided up front, and how engine outcomes become the table. Plus the CLI refusing a
// check that would change a node before it connects anywhere.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planTexts } from '../../src/app/plan.js';
import { deriveRehearsal } from '../../src/app/rehearsal/derive.js';
import { builtinProbes, PROBE_PHASE, requiredTools, UNKNOWN_EXIT } from '../../src/app/rehearsal/probes.js';
import { buildTable, renderTableText } from '../../src/app/rehearsal/table.js';
import type { TaskReport } from '../../src/engine/index.js';
import { parseInventory } from '../../src/inventory/index.js';
import type { Plan } from '../../src/model/index.js';
import { displayText, formatPlan } from '../../src/plan/index.js';
import { cliHere } from '../e2e/support.js';
import { FIXTURES } from '../helpers/build.js';

const file = (p: string) => ({ text: readFileSync(p, 'utf8'), source: p });
const INVENTORY = `${FIXTURES}/inventories/three-masters.yaml`;
const planOf = (runbook: string, params: string[] = []): Plan => planTexts(file(runbook), file(INVENTORY), params).plan;
const inventory = parseInventory(readFileSync(INVENTORY, 'utf8'), INVENTORY);
const probesOf = (plan: Plan, sizes = new Map<string, number>()) =>
  builtinProbes({ plan, nodes: inventory.nodes, tls: inventory.etcd.tls, certMinValiditySec: 86_400, uploadSizes: sizes, nodeLockDir: '/var/lib/kubedr/lock', probeTimeoutMs: 30_000 });

const CHECKED = 'test/app/rehearse-fixtures/checked.yaml';
const MIXED = 'test/app/rehearse-fixtures/mixed.yaml';
const tasksOf = (plan: Plan) => plan.phases.flatMap((p) => p.steps).flatMap((s) => s.tasks);

describe('deriveRehearsal', () => {
  it('replaces every action by its check: no upload, manifest edit, capture of the action or undo reaches the engine', () => {
    const plan = planOf(`${FIXTURES}/runbooks/ha-restore.yaml`, ['snapshot=/backups/etcd.db', 'snapshotSha256=abc']);
    const d = deriveRehearsal(plan, []);
    const tasks = tasksOf(d.plan);
    expect(tasks.map((t) => t.key)).toEqual(['stop-manifests@cp1', 'stop-manifests@cp2', 'stop-manifests@cp3']);
    expect(tasks.every((t) => t.action.kind === 'shell' && t.undo === undefined && t.check === undefined)).toBe(true);
    expect(displayText((tasks[0]?.action as { script: Parameters<typeof displayText>[0] }).script)).toBe("test -f /etc/kubernetes/manifests/etcd.yaml");
    const steps = d.plan.phases.flatMap((p) => p.steps);
    expect(steps.every((s) => s.onFailure.mode === 'continue' && s.confirm === undefined && s.retry.attempts === 1)).toBe(true);
    // Everything else is decided without running: no check → unknown; the approval → would run.
    expect(d.decided.filter((c) => c.state === 'unknown').map((c) => `${c.stepId}@${c.node}`)).toContain('restore-member@cp2');
    expect(d.decided.find((c) => c.stepId === 'approve')).toMatchObject({ state: 'would-run', reason: 'asks the operator' });
    expect(d.plan.hash).not.toBe(plan.hash);
  });

  it('a check that needs a capture is unknown; a false `when` is skipped', () => {
    const d = deriveRehearsal(planOf(MIXED), []);
    expect(tasksOf(d.plan).map((t) => t.key)).toEqual(['token@cp1']);
    expect(d.decided).toContainEqual({ stepId: 'uses-token', node: 'w1', state: 'unknown', reason: 'check needs the output of step token, known only during a run' });
    expect(d.decided).toContainEqual({ stepId: 'rejoin', node: '*', state: 'skipped', reason: 'when is false' });
    expect(d.unsafe).toEqual([]);
  });

  it('a readOnly step is its own check: the rehearsal runs the very action the run would; the plan says read-only', () => {
    const plan = planOf('test/app/rehearse-fixtures/read-only.yaml');
    const health = plan.phases[0]?.steps[0];
    expect(health).toMatchObject({ readOnly: true, idempotent: true });
    expect(health?.tasks.every((t) => t.check === t.action)).toBe(true);
    const d = deriveRehearsal(plan, []);
    expect(d.decided).toEqual([]);
    const keys = tasksOf(d.plan).map((t) => `${t.key} ${t.action.kind}`);
    expect(keys).toEqual(['health@cp1 shell', 'health@cp2 shell', 'health@cp3 shell', 'revision@cp1 capture', 'touch@cp1 shell', 'touch@cp2 shell', 'touch@cp3 shell']);
    expect(tasksOf(d.plan).filter((t) => t.stepId === 'touch').every((t) => t.action.kind === 'shell' && displayText(t.action.script) === 'test -w /var/lib')).toBe(true);
    const text = formatPlan(plan);
    expect(text).toMatch(/STEP 1\.1 {2}health\n.*· read-only ·/);
    expect(text).not.toMatch(/check {5}\$ ETCDCTL_API=3 etcdctl endpoint health/);
    expect(text).toMatch(/check {5}\$ test -w \/var\/lib/);
  });

  it('caps wait checks at the probe timeout', () => {
    const d = deriveRehearsal(planOf(CHECKED, ['snapshot=/x', 'snapshotSha256=abc']), [], { probeTimeoutMs: 5000 });
    const wait = tasksOf(d.plan).find((t) => t.stepId === 'members')?.action;
    expect(wait).toMatchObject({ kind: 'wait', timeoutMs: 5000 });
  });

  it('flags checks that transfer or edit files', () => {
    const d = deriveRehearsal(planOf('test/app/rehearse-fixtures/unsafe-check.yaml'), []);
    expect(d.unsafe).toEqual([{ stepId: 'sneaky', kind: 'upload' }]);
  });
});

describe('built-in probes', () => {
  it('probe each node for what the plan needs there; quote every inventory value', () => {
    const plan = planOf(CHECKED, ['snapshot=/snap shots/etcd.db', 'snapshotSha256=ABC']);
    const [phase] = probesOf(plan, new Map([['/snap shots/etcd.db', 10 * 1024 * 1024]]));
    expect(phase?.name).toBe(PROBE_PHASE);
    const keys = (id: string) => phase?.steps.find((s) => s.id === id)?.tasks.map((t) => t.node);
    // Only nodes the runbook acts on (this one never touches the workers).
    expect(keys('kubedr-reachable')).toEqual(['cp1', 'cp2', 'cp3']);
    expect(keys('kubedr-etcd-manifest')).toEqual(['cp1', 'cp2', 'cp3']);
    expect(keys('kubedr-upload-sources')).toEqual(['@local']);
    const script = (id: string, node: string) => {
      const a = phase?.steps.find((s) => s.id === id)?.tasks.find((t) => t.node === node)?.action;
      return a && (a.kind === 'shell' || a.kind === 'local') ? displayText(a.kind === 'shell' ? a.script : a.command) : '';
    };
    expect(script('kubedr-tools', 'cp1')).toContain('command -v etcdctl >/dev/null 2>&1 || missing="$missing etcdctl"');
    expect(script('kubedr-tools', 'cp1')).toContain('command -v openssl >/dev/null 2>&1 || missing="$missing openssl"');
    expect(script('kubedr-upload-sources', '@local')).toContain("f='/snap shots/etcd.db'");
    expect(script('kubedr-upload-sources', '@local')).toContain('= abc ]');
    // The upload plus 16 MiB, in KiB; no restore in this runbook, so no room for a data dir asked.
    expect(script('kubedr-disk', 'cp1')).toContain(`-lt ${10 * 1024 + 16_384} ]`);
    expect(script('kubedr-disk', 'cp1')).not.toContain('a restored data dir');
    expect(script('kubedr-etcd-manifest', 'cp2')).toContain('for w in --name=cp2 --initial-advertise-peer-urls=');
  });
});

describe('disk probe of a restore', () => {
  it('asks for twice the snapshot plus 64 MiB beside the data dir of every member that restores', () => {
    const plan = planOf(`${FIXTURES}/runbooks/ha-restore.yaml`, ['snapshot=/backups/etcd.db', 'snapshotSha256=abc']);
    const disk = probesOf(plan, new Map([['/backups/etcd.db', 10 * 1024 * 1024]]))[0]?.steps.find((s) => s.id === 'kubedr-disk');
    const a = disk?.tasks.find((t) => t.node === 'cp2')?.action;
    expect(a?.kind === 'shell' ? displayText(a.script) : '').toContain(`-lt ${2 * 10 * 1024 + 65_536} ]`);
  });
});

describe('requiredTools', () => {
  it('a tool only tested with `command -v` is optional; etcdctl and etcdutl are alternatives', () => {
    expect(requiredTools('if command -v etcdutl >/dev/null; then x; fi\nETCDCTL_API=3 etcdctl version')).toEqual([['etcdctl']]);
    expect(requiredTools('if command -v etcdutl; then etcdutl snapshot status f; else etcdctl snapshot status f; fi; crictl ps')).toEqual([['etcdctl', 'etcdutl'], ['crictl']]);
    expect(requiredTools('/usr/bin/kubeadm-like --etcdctl-flag; myopenssl x')).toEqual([]);
  });
});

describe('rehearsal table', () => {
  const report = (key: string, r: Partial<TaskReport>): [string, TaskReport] => [key, { key, outcome: 'done', durationMs: 1, attempts: 1, stdout: '', stderr: '', ...r }];

  it('maps outcomes: done → would run, failed → blocked with the last stderr line, unreachable → blocked on reachability only, exit 3 of a probe → unknown', () => {
    const plan = planOf(MIXED);
    const probes = probesOf(plan);
    const d = deriveRehearsal(plan, probes);
    const reports = new Map<string, TaskReport>([
      ...tasksOf(d.plan).map((t) => report(t.key, {})),
      report('token@cp1', { outcome: 'failed', exitCode: 1, stderr: 'first\nadmin.conf missing\n' }),
      report('kubedr-reachable@w1', { outcome: 'unreachable', error: 'connect ECONNREFUSED' }),
      report('kubedr-sudo@w1', { outcome: 'unreachable', error: 'connect ECONNREFUSED' }),
      report('kubedr-tools@cp1', { outcome: 'failed', exitCode: UNKNOWN_EXIT, stderr: 'could not tell' }),
    ]);
    const t = buildTable(plan, probes, d.decided, reports);
    const cell = (s: string, n: string) => t.rows.find((r) => r.stepId === s)?.cells.find((c) => c.node === n);
    expect(cell('token', 'cp1')).toEqual({ stepId: 'token', node: 'cp1', state: 'blocked', reason: 'admin.conf missing' });
    expect(cell('kubedr-reachable', 'w1')).toMatchObject({ state: 'blocked', reason: 'unreachable: connect ECONNREFUSED' });
    expect(cell('kubedr-sudo', 'w1')).toMatchObject({ state: 'unknown', reason: 'node unreachable' });
    expect(cell('kubedr-tools', 'cp1')).toMatchObject({ state: 'unknown', reason: 'could not tell' });
    expect(t.counts.blocked).toBe(2);
    const text = renderTableText(t);
    expect(text).toMatch(/^STEP +cp1 +cp2 +cp3 +w1 +w2\n/);
    expect(text).toContain('token@cp1: blocked: admin.conf missing');
    expect(text).toMatch(/rejoin +skipped +skipped/);
  });
});

describe('kubedr rehearse (CLI, no lab)', () => {
  it('refuses a check that would change a node with file:line:col, exit 2, before connecting', async () => {
    const r = await cliHere(['rehearse', '-r', 'test/app/rehearse-fixtures/unsafe-check.yaml', '-i', INVENTORY, '--state-dir', '/nonexistent/kubedr-state']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('test/app/rehearse-fixtures/unsafe-check.yaml:15:9: error REHEARSE_CHECK_NOT_READ_ONLY: step "sneaky" has a check of kind upload');
    expect(r.stderr).toContain('nothing was executed');
  });
});
