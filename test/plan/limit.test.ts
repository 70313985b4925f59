// --limit: the finished plan filtered to some nodes' tasks. Planned with every node (the cluster
// facts stay whole), refused with a stable code where the smaller run would be a wrong one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planTexts } from '../../src/app/plan.js';
import { InputError } from '../../src/errors/index.js';
import type { Plan } from '../../src/model/index.js';
import { displayText } from '../../src/plan/index.js';

const inventory = { text: readFileSync('test/fixtures/inventories/three-masters.yaml', 'utf8'), source: 'three-masters.yaml' };
const runbook = (steps: string): { text: string; source: string } => ({
  text: `apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: limits }\nphases:\n  - name: main\n    steps:\n${steps}`,
  source: 'limits.yaml',
});
const STEPS = `      - id: everywhere
        targets: { roles: [control-plane, worker] }
        shell: echo {{ cluster.initialCluster }}
      - id: masters
        targets: { roles: [control-plane] }
        shell: hostname
      - id: here
        local: date
`;
const tasksOf = (plan: Plan): Record<string, string[]> => Object.fromEntries(plan.phases.flatMap((p) => p.steps).map((s) => [s.id, s.tasks.map((t) => t.node)]));
const refused = (rb: { text: string; source: string }, limit: string, params: string[] = []): InputError => {
  try {
    planTexts(rb, inventory, params, limit);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`--limit ${limit} was accepted`);
};

describe('--limit', () => {
  it('keeps only the selected nodes\' tasks (and the operator machine\'s); the cluster facts stay whole', () => {
    const full = planTexts(runbook(STEPS), inventory).plan;
    const out = planTexts(runbook(STEPS), inventory, [], 'kube_node');
    expect(tasksOf(out.plan)).toEqual({ everywhere: ['w1', 'w2'], masters: [], here: ['@local'] });
    // Planned with every node: a worker's command still names all three members.
    const w1 = out.plan.phases[0]?.steps[0]?.tasks[0];
    expect(w1 && w1.action.kind === 'shell' ? displayText(w1.action.script) : '').toContain('cp1=https://127.0.0.11:2380,cp2=https://127.0.0.12:2380,etcd-three=https://127.0.0.13:2380');
    expect(out.plan.limit).toEqual({ spec: 'kube_node', nodes: ['w1', 'w2'], left: ['cp1', 'cp2', 'cp3'] });
    expect(out.plan.hash).not.toBe(full.hash);
    expect(planTexts(runbook(STEPS), inventory, [], 'kube_node').plan.hash).toBe(out.plan.hash);
  });

  it('takes node names, groups and roles, comma- or colon-separated', () => {
    expect(tasksOf(planTexts(runbook(STEPS), inventory, [], 'cp2,w1').plan).everywhere).toEqual(['cp2', 'w1']);
    expect(tasksOf(planTexts(runbook(STEPS), inventory, [], 'worker:cp3').plan).everywhere).toEqual(['cp3', 'w1', 'w2']);
  });

  it('the plan shows what was limited, in its header and on each step', () => {
    const { text } = planTexts(runbook(STEPS), inventory, [], 'cp1');
    expect(text).toContain('  limit      --limit cp1: tasks on cp1 only; left out cp2, cp3, w1, w2 (planned with every node)');
    expect(text).toMatch(/STEP 1\.1 {2}everywhere\n.*\n {6}limited: left out cp2, cp3, w1, w2\n/);
    expect(planTexts(runbook(STEPS), inventory).text).not.toContain('limited');
  });

  it('refuses a name the inventory does not have, with a suggestion, exit code 2', () => {
    const e = refused(runbook(STEPS), 'cp1,kube_nod');
    expect(e.exitCode).toBe(2);
    expect(e.problems.map((p) => [p.code, p.hint])).toEqual([['LIMIT_UNKNOWN', 'did you mean "kube_node"?']]);
    expect(refused(runbook(STEPS), ',').code).toBe('LIMIT_EMPTY');
  });

  it('refuses a one: true step whose chosen node is left out, not when it is kept', () => {
    const steps = `${STEPS}      - id: leader
        targets: { roles: [etcd], one: true }
        shell: hostname
`;
    const e = refused(runbook(steps), 'cp2,cp3');
    expect(e.problems.map((p) => p.code)).toEqual(['LIMIT_EXCLUDES_ONE']);
    expect(e.problems[0]?.message).toContain('leaves out cp1, the one node step "leader" runs on');
    expect(e.problems[0]?.pos?.line).toBe(15);
    expect(tasksOf(planTexts(runbook(steps), inventory, [], 'cp1,w1').plan).leader).toEqual(['cp1']);
  });

  it('refuses a kept task that reads a capture only left-out nodes take', () => {
    const steps = `      - id: token
        targets: { nodes: [cp2] }
        capture: { command: hostname }
      - id: use
        targets: { roles: [worker] }
        shell: echo {{ steps.token.stdout }}
`;
    expect(refused(runbook(steps), 'kube_node').problems.map((p) => p.code)).toEqual(['LIMIT_DROPS_CAPTURE']);
    expect(tasksOf(planTexts(runbook(steps), inventory, [], 'cp2,w1').plan)).toEqual({ token: ['cp2'], use: ['w1'] });
  });

  it('refuses restoring or changing the membership of only some members (ha-restore, replace-member, quorum-restore)', () => {
    const file = (name: string) => ({ text: readFileSync(`runbooks/${name}.yaml`, 'utf8'), source: `${name}.yaml` });
    const snapshot = ['snapshot=/tmp/snap.db', `snapshotSha256=${'a'.repeat(64)}`];
    const ha = refused(file('ha-restore'), 'cp1,cp2,w1,w2', snapshot);
    expect(ha.exitCode).toBe(2);
    expect(ha.problems.map((p) => p.code)).toContain('LIMIT_NEEDS_EVERY_MEMBER');
    expect(ha.problems.find((p) => p.code === 'LIMIT_NEEDS_EVERY_MEMBER')?.message).toContain('leaves out cp3 from step "restore-snapshot" (restoreMember)');
    expect(refused(file('replace-member'), 'cp3', ['member=etcd-three']).problems.map((p) => p.code)).toContain('LIMIT_NEEDS_EVERY_MEMBER');
    expect(refused(file('quorum-restore'), 'cp1,cp2').problems.map((p) => p.code)).toContain('LIMIT_NEEDS_EVERY_MEMBER');
    // Leaving out only workers keeps every member: accepted.
    expect(tasksOf(planTexts(file('ha-restore'), inventory, snapshot, 'control-plane').plan)['restore-member']).toEqual(['cp1', 'cp2', 'cp3']);
  });
});
