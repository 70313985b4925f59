import { describe, expect, it } from 'vitest';
import { etcdDeploymentFit } from '../../src/inventory/index.js';
import { inventoryWith } from '../helpers/build.js';

const inventory = (type: string) => inventoryWith('  - { name: cp1, address: 10.0.0.1, roles: [control-plane, etcd] }\n', `vars: { etcd_deployment_type: ${type} }\n`);

describe('etcdDeploymentFit', () => {
  it('looks the runbook position up only for a mismatch (finding one can mean parsing the runbook again)', () => {
    const asked: number[] = [];
    const posOf = () => {
      asked.push(1);
      return { file: 'ha-restore.yaml', line: 4, col: 9 };
    };
    expect(etcdDeploymentFit('ha-restore', inventory('kubeadm'), posOf)).toEqual([]);
    expect(asked).toEqual([]);
    const [problem] = etcdDeploymentFit('ha-restore', inventory('host'), posOf);
    expect(problem).toMatchObject({ code: 'RUNBOOK_ETCD_DEPLOYMENT_MISMATCH', hint: 'use -r external-etcd-restore', pos: { file: 'ha-restore.yaml', line: 4 } });
    expect(asked).toEqual([1]);
  });
});
