import { describe, expect, it } from 'vitest';
import { buildPlan, planRunbook } from '../../src/plan/index.js';
import { inventoryWith, runbookWith } from '../helpers/build.js';

const inv = inventoryWith('  - { name: cp1, address: 127.0.0.11, roles: [control-plane, etcd] }\n');
const PARAMS = '  fast: { type: bool, default: false }\n  mode: { type: string, default: "yes" }';
const steps = (when: string) => `      - id: a\n        when: "${when}"\n        local: date\n`;
const skipped = (when: string, params: Record<string, string> = {}) => buildPlan(runbookWith(steps(when), PARAMS), inv, { params }).phases[0]?.steps[0]?.skipped;

describe('when', () => {
  it('is decided at plan time from params, with | not', () => {
    expect(skipped('{{ params.fast }}')).toBe(true);
    expect(skipped('{{ params.fast }}', { fast: 'true' })).toBe(false);
    expect(skipped('{{ params.fast | not }}')).toBe(false);
    expect(skipped('{{ params.mode }}')).toBe(false);
  });

  it('keeps a skipped step in the plan without tasks', () => {
    const plan = buildPlan(runbookWith(steps('{{ params.fast }}'), PARAMS), inv);
    expect(plan.phases[0]?.steps[0]).toMatchObject({ id: 'a', skipped: true, tasks: [] });
  });

  it('still reports mistakes inside skipped steps', () => {
    const rb = runbookWith(`      - id: a\n        when: "{{ params.fast }}"\n        targets: { roles: [etcd] }\n        shell: echo {{ node.nmae }}\n`, PARAMS);
    expect(planRunbook(rb, inv).problems.map((p) => p.code)).toEqual(['RUNBOOK_UNKNOWN_VARIABLE']);
  });
});
