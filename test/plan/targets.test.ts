import { describe, expect, it } from 'vitest';
import { selectNodes } from '../../src/plan/targets.js';
import { inventoryWith } from '../helpers/build.js';

const inv = inventoryWith(
  `  - { name: cp2, address: 127.0.0.12, groups: [masters], labels: { zone: b } }
  - { name: cp1, address: 127.0.0.11, groups: [masters], labels: { zone: a } }
  - { name: w1, address: 127.0.0.21, roles: [worker], labels: { zone: a } }
`,
  'groups:\n  masters: { roles: [control-plane, etcd] }\n',
);
const names = (spec: Parameters<typeof selectNodes>[0]) => selectNodes(spec, inv).nodes.map((n) => n.name);

describe('selectNodes', () => {
  it('matches any listed role, in inventory order by default', () => {
    expect(names({ roles: ['etcd', 'worker'] })).toEqual(['cp2', 'cp1', 'w1']);
  });

  it('requires every criterion (roles AND labels AND groups)', () => {
    expect(names({ roles: ['control-plane'], labels: { zone: 'a' } })).toEqual(['cp1']);
    expect(names({ groups: ['masters'], nodes: ['cp1', 'w1'] })).toEqual(['cp1']);
  });

  it('orders by name or reverse, and `one` keeps the first after ordering', () => {
    expect(names({ roles: ['etcd'], order: 'name' })).toEqual(['cp1', 'cp2']);
    expect(names({ roles: ['etcd'], order: 'reverse' })).toEqual(['cp1', 'cp2']);
    expect(names({ roles: ['etcd'], order: 'name', one: true })).toEqual(['cp1']);
    expect(names({ roles: ['etcd'], one: true })).toEqual(['cp2']);
  });

  it('reports unknown nodes and groups with a suggestion, and empty selections', () => {
    expect(selectNodes({ nodes: ['cp3'] }, inv).issues).toEqual([{ code: 'RUNBOOK_UNKNOWN_TARGET', message: 'target node "cp3" is not in the inventory', hint: 'did you mean "cp2"?', at: ['nodes', 0] }]);
    expect(selectNodes({ groups: ['master'] }, inv).issues[0]).toMatchObject({ code: 'RUNBOOK_UNKNOWN_TARGET', hint: 'did you mean "masters"?', at: ['groups', 0] });
    expect(selectNodes({ roles: ['worker'], labels: { zone: 'b' } }, inv).issues[0]?.code).toBe('RUNBOOK_EMPTY_TARGET');
  });
});
