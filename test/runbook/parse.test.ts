import { describe, expect, it } from 'vitest';
import { readRunbook } from '../../src/runbook/index.js';
import { fixtureRunbook, runbookWith } from '../helpers/build.js';

describe('runbook parsing', () => {
  it('applies step defaults', () => {
    const step = runbookWith('      - { id: a, local: date }\n').phases[0]?.steps[0];
    expect(step).toEqual({
      id: 'a',
      name: 'a',
      action: { kind: 'local', command: 'date' },
      concurrency: { mode: 'parallel' },
      retry: { attempts: 1, backoffMs: 0 },
      timeoutMs: 300_000,
      idempotent: false,
      readOnly: false,
      onFailure: { mode: 'stop' },
      pos: { file: 'inline.yaml', line: 7, col: 9 },
    });
  });

  it('readOnly implies idempotent', () => {
    const step = runbookWith('      - { id: a, local: date, readOnly: true }\n').phases[0]?.steps[0];
    expect(step).toMatchObject({ readOnly: true, idempotent: true });
  });

  it('reads the short and long forms of options', () => {
    const rb = runbookWith(`      - id: a
        targets: { roles: [etcd] }
        shell: { script: x, sudo: false }
        concurrency: { batches: 2 }
        retry: 3
        onFailure: continue
      - id: b
        targets: { roles: [etcd] }
        shell: x
        concurrency: { parallel: 4 }
        retry: { attempts: 2, backoff: 1m }
        onFailure: { maxFailPercent: 20 }
`);
    const [a, b] = rb.phases[0]?.steps ?? [];
    expect(a).toMatchObject({ action: { kind: 'shell', sudo: false }, concurrency: { mode: 'batches', size: 2 }, retry: { attempts: 3, backoffMs: 5000 }, onFailure: { mode: 'continue' } });
    expect(b).toMatchObject({ action: { sudo: true }, concurrency: { mode: 'parallel', limit: 4 }, retry: { attempts: 2, backoffMs: 60_000 }, onFailure: { mode: 'maxFailPercent', percent: 20 } });
  });

  it('treats `confirm` as the approval text when the step has another action, else as the action', () => {
    const rb = runbookWith('      - { id: a, confirm: "sure?", local: date }\n      - { id: b, confirm: "go?" }\n');
    const [a, b] = rb.phases[0]?.steps ?? [];
    expect(a).toMatchObject({ confirm: 'sure?', action: { kind: 'local' } });
    expect(b?.action).toEqual({ kind: 'confirm', message: 'go?' });
    expect(b?.confirm).toBeUndefined();
  });

  it('keeps params typed, and hashes the file bytes', () => {
    const rb = fixtureRunbook();
    expect(rb.params.find((p) => p.name === 'rejoinWorkers')).toEqual({ name: 'rejoinWorkers', type: 'bool', required: false, default: true });
    expect(rb.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rb.phases.map((p) => p.steps.length)).toEqual([3, 3, 3, 2]);
  });

  it('reports all problems at once with positions', () => {
    const text = 'apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: x }\nphases:\n  - name: p\n    steps:\n      - { id: a, local: date }\n      - { id: a, shell: x }\n';
    const r = readRunbook(text, 'r.yaml');
    expect(r.problems.map((p) => `${p.code}@${p.pos?.line}:${p.pos?.col}`)).toEqual(['RUNBOOK_DUPLICATE_STEP_ID@8:15', 'RUNBOOK_MISSING_TARGETS@8:9']);
  });
});
