// withPrevious: refused where it would run a step before what it needs (the phase's start, an
// approval, a capture of its own group); its plan says so.
import { describe, expect, it } from 'vitest';
import { readRunbook } from '../../src/runbook/index.js';
import { buildPlan, formatPlan, planRunbook } from '../../src/plan/index.js';
import { inventoryWith, runbookWith } from '../helpers/build.js';

const inv = inventoryWith('  - { name: cp1, address: 127.0.0.11, roles: [control-plane, etcd] }\n');
const doc = (steps: string): string => `apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: t }\nphases:\n  - name: main\n    steps:\n${steps}`;
const codes = (steps: string): string[] => readRunbook(doc(steps), 'inline.yaml').problems.map((p) => p.code);

describe('withPrevious', () => {
  it('is shown in the plan', () => {
    const plan = buildPlan(runbookWith('      - id: a\n        local: date\n      - id: b\n        withPrevious: true\n        local: uptime\n'), inv);
    expect(plan.phases[0]?.steps.map((s) => s.withPrevious === true)).toEqual([false, true]);
    expect(formatPlan(plan)).toContain('runs together with the step before it');
  });

  it('is refused on the first step of a phase', () => {
    expect(codes('      - id: a\n        withPrevious: true\n        local: date\n')).toContain('RUNBOOK_WITH_PREVIOUS_FIRST');
  });

  it('is refused next to an approval', () => {
    expect(codes('      - id: a\n        confirm: go?\n      - id: b\n        withPrevious: true\n        local: date\n')).toContain('RUNBOOK_WITH_PREVIOUS_APPROVAL');
    expect(codes('      - id: a\n        local: date\n      - id: b\n        withPrevious: true\n        confirm: go?\n        local: date\n')).toContain('RUNBOOK_WITH_PREVIOUS_APPROVAL');
  });

  it('cannot read a capture of its own group, only of an earlier group', () => {
    const steps = (wp: boolean): string => `      - id: tok\n        targets: { roles: [etcd] }\n        capture: { command: hostname }\n      - id: use\n${wp ? '        withPrevious: true\n' : ''}        targets: { roles: [etcd] }\n        shell: { script: 'echo {{ steps.tok.stdout }}' }\n`;
    expect(planRunbook(runbookWith(steps(true)), inv).problems.map((p) => p.code)).toContain('RUNBOOK_CAPTURE_NOT_YET');
    expect(planRunbook(runbookWith(steps(false)), inv).problems.map((p) => p.code)).toEqual([]);
  });
});
