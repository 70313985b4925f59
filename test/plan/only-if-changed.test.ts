// onlyIfChanged: names a step that has ended when this one starts (earlier, not in its group);
// the plan says when the step runs.
import { describe, expect, it } from 'vitest';
import { readRunbook } from '../../src/runbook/index.js';
import { buildPlan, formatPlan } from '../../src/plan/index.js';
import { inventoryWith, runbookWith } from '../helpers/build.js';

const inv = inventoryWith('  - { name: cp1, address: 127.0.0.11, roles: [control-plane, etcd] }\n');
const doc = (steps: string): string => `apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: t }\nphases:\n  - name: main\n    steps:\n${steps}`;
const problems = (steps: string) => readRunbook(doc(steps), 'inline.yaml').problems;
const step = (id: string, extra = ''): string => `      - id: ${id}\n${extra}        local: date\n`;

describe('onlyIfChanged', () => {
  it('is shown in the plan', () => {
    const plan = buildPlan(runbookWith(step('a') + step('b', '        onlyIfChanged: a\n')), inv);
    expect(plan.phases[0]?.steps.map((s) => s.onlyIfChanged)).toEqual([undefined, 'a']);
    expect(formatPlan(plan)).toContain('only if a changed something');
  });

  it('refuses a step id the runbook does not have, at its line, naming the steps before it', () => {
    const p = problems(step('a') + step('b', '        onlyIfChanged: nope\n'));
    expect(p.map((x) => x.code)).toEqual(['RUNBOOK_ONLY_IF_CHANGED_UNKNOWN']);
    expect(p[0]).toMatchObject({ message: expect.stringContaining('"nope"'), hint: expect.stringContaining('"a"'), pos: { line: 10 } });
  });

  it('refuses a later step, itself, and a step it runs together with', () => {
    expect(problems(step('a', '        onlyIfChanged: b\n') + step('b')).map((x) => x.code)).toEqual(['RUNBOOK_ONLY_IF_CHANGED_NOT_BEFORE']);
    expect(problems(step('a') + step('b', '        onlyIfChanged: b\n')).map((x) => x.code)).toEqual(['RUNBOOK_ONLY_IF_CHANGED_NOT_BEFORE']);
    expect(problems(step('a') + step('b', '        withPrevious: true\n        onlyIfChanged: a\n')).map((x) => x.code)).toEqual(['RUNBOOK_ONLY_IF_CHANGED_NOT_BEFORE']);
    expect(problems(step('a') + step('b') + step('c', '        withPrevious: true\n        onlyIfChanged: a\n')).map((x) => x.code)).toEqual([]);
  });
});
