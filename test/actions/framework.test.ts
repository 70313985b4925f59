// A step that calls a DR action: parsing, argument errors with positions, the fields the action
// owns, the plan rendering, and the runbook schema kept in sync with DR_ACTIONS.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DR_ACTIONS } from '../../src/actions/index.js';
import { withDrActionsText } from '../../src/actions/schema.js';
import { buildPlan, formatPlan } from '../../src/plan/index.js';
import { readRunbook } from '../../src/runbook/index.js';
import { fixtureInventory, runbookWith } from '../helpers/build.js';

const doc = (steps: string) => `apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: t }\nphases:\n  - name: main\n    steps:\n${steps}`;
const problems = (steps: string) => readRunbook(doc(steps), 'inline.yaml').problems.map((p) => ({ code: p.code, message: p.message, hint: p.hint, at: p.pos ? `${p.pos.line}:${p.pos.col}` : '' }));

describe('DR action steps', () => {
  it('expand into a normal step that remembers the action and its arguments', () => {
    const step = runbookWith('      - id: ready\n        targets: { roles: [control-plane] }\n        waitApiserverReady: { port: 7443, timeout: 2m }\n').phases[0]?.steps[0];
    expect(step).toMatchObject({
      id: 'ready',
      uses: { action: 'waitApiserverReady', args: { port: 7443, timeout: '2m' } },
      action: { kind: 'wait', match: '^ok', timeoutMs: 120_000, sudo: false },
      check: { kind: 'shell' },
      idempotent: true,
      readOnly: false,
    });
    expect(step?.timeoutMs).toBe(180_000);
  });

  it('reject bad arguments with the step, the action, a position and a stable code', () => {
    const out = problems('      - id: ready\n        targets: { roles: [control-plane] }\n        waitApiserverReady: { prot: 7443 }\n');
    expect(out).toEqual([
      {
        code: 'RUNBOOK_ACTION_ARGS',
        message: 'step "ready": waitApiserverReady arguments: phases[0].steps[0].waitApiserverReady.prot: unknown field "prot"',
        hint: 'did you mean "port"? allowed here: address, port, timeout (waitApiserverReady takes: address, port, timeout; see docs/actions.md)',
        at: '9:31',
      },
    ]);
    expect(problems('      - id: ready\n        targets: { roles: [control-plane] }\n        waitApiserverReady: { timeout: soon }\n')[0]).toMatchObject({ code: 'RUNBOOK_ACTION_ARGS', at: '9:40' });
  });

  it('suggest the closest DR action for a misspelled key', () => {
    const [p] = problems('      - id: ready\n        targets: { roles: [control-plane] }\n        waitApiserverReddy: {}\n');
    expect(p).toMatchObject({ code: 'RUNBOOK_UNKNOWN_FIELD', at: '9:9' });
    expect(p?.hint).toMatch(/^did you mean "waitApiserverReady"\?/);
  });

  it('refuse an undo, check, readOnly or idempotent of the step\'s own', () => {
    const out = problems('      - id: ready\n        targets: { roles: [control-plane] }\n        waitApiserverReady: {}\n        undo: { shell: "true" }\n        idempotent: false\n');
    expect(out.map((p) => [p.code, p.at])).toEqual([
      ['RUNBOOK_ACTION_OWNS_FIELD', '10:9'],
      ['RUNBOOK_ACTION_OWNS_FIELD', '11:9'],
    ]);
    expect(out[0]?.message).toBe('step "ready" uses the DR action waitApiserverReady, which brings its own undo');
  });

  it('count as an action next to the generic ones', () => {
    expect(problems('      - id: ready\n        targets: { roles: [control-plane] }\n        waitApiserverReady: {}\n        shell: "true"\n').map((p) => p.code)).toEqual(['RUNBOOK_STEP_MULTIPLE_ACTIONS']);
  });

  it('show the action with its arguments above the rendered commands in the plan', () => {
    const rb = runbookWith('      - id: ready\n        targets: { roles: [control-plane] }\n        waitApiserverReady: { port: 7443 }\n');
    const plan = buildPlan(rb, fixtureInventory(), { params: {} });
    expect(plan.phases[0]?.steps[0]?.uses).toEqual({ action: 'waitApiserverReady', args: { port: 7443 } });
    const text = formatPlan(plan);
    expect(text).toContain('      uses waitApiserverReady(port=7443)\n');
    expect(text).toMatch(/uses waitApiserverReady\(port=7443\)\n {4}\S+ +wait until \$ h=127\.0\.0\.11; p=7443\n/);
  });
});

describe('schemas/runbook.schema.json', () => {
  it('holds exactly the DR actions and their argument schemas (npm run gen:validators)', () => {
    const text = readFileSync('schemas/runbook.schema.json', 'utf8');
    expect(withDrActionsText(text)).toBe(text);
    const schema = JSON.parse(text) as { $defs: Record<string, { properties?: Record<string, unknown> }> };
    for (const [name, a] of Object.entries(DR_ACTIONS)) {
      expect(schema.$defs.step?.properties?.[name]).toEqual({ $ref: `#/$defs/dr.${name}` });
      expect(schema.$defs[`dr.${name}`]).toMatchObject(a.argsSchema);
    }
  });
});

describe('docs/actions.md', () => {
  it('documents every DR action and each of its arguments', () => {
    const text = readFileSync('docs/actions.md', 'utf8');
    const sections = new Map(text.split(/^### /m).slice(1).map((s) => [s.split('\n')[0]?.trim() ?? '', s]));
    expect([...sections.keys()].sort()).toEqual(Object.keys(DR_ACTIONS).sort());
    const common = text.split(/^### /m)[0] ?? '';
    for (const [name, a] of Object.entries(DR_ACTIONS)) {
      const section = sections.get(name) ?? '';
      const group = text.slice(0, text.indexOf(`### ${name}`)).split(/^## /m).pop() ?? common;
      for (const arg of Object.keys((a.argsSchema.properties ?? {}) as Record<string, unknown>)) {
        expect(`${section}${group}`, `${name}.${arg}`).toContain(`\`${arg}\``);
      }
    }
  });
});
