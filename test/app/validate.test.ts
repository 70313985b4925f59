// `validate` reports every problem of both files and the params in one pass, in file order.
import { describe, expect, it } from 'vitest';
import { validateTexts } from '../../src/app/validate.js';

const runbook = `apiVersion: kubedr.io/v1alpha1
kind: Runbook
metadata: { name: many }
params:
  size: { type: int, default: 1 }
phases:
  - name: main
    steps:
      - { id: a, local: date }
      - id: a
        targets: { roles: [etcd] }
        shell: echo {{ node.nmae }} {{ params.size }}
      - id: b
        targets: { nodes: [cp9] }
        shell: hostname
`;
const inventory = `apiVersion: kubedr.io/v1alpha1
kind: Inventory
cluster: { name: c }
nodes:
  - { name: cp1, address: 127.0.0.11, roles: [etcd] }
  - { name: cp2, address: 127.0.0.12, roles: [etcd] }
`;

describe('validate', () => {
  it('collects problems from both files, the params and the plan at once, sorted by position', () => {
    const report = validateTexts({ text: runbook, source: 'rb.yaml' }, { text: inventory, source: 'inv.yaml' }, ['size=big', 'color=red']);
    expect(report.problems.map((p) => `${p.severity} ${p.code} ${p.pos ? `${p.pos.file}:${p.pos.line}:${p.pos.col}` : '-'}`)).toEqual([
      'warning INVENTORY_EVEN_ETCD_MEMBERS inv.yaml:5:3',
      'error PARAM_TYPE rb.yaml:5:9',
      'error RUNBOOK_DUPLICATE_STEP_ID rb.yaml:10:13',
      'error RUNBOOK_UNKNOWN_VARIABLE rb.yaml:12:21',
      'error RUNBOOK_UNKNOWN_TARGET rb.yaml:14:28',
      'error PARAM_UNKNOWN -',
    ]);
    expect(report.errors).toBe(5);
    expect(report.warnings).toBe(1);
    expect(report.plan).toBeUndefined();
  });
});
