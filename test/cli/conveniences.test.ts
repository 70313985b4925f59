// Habits from other tools: KUBEDR_STATE_DIR for --state-dir (the flag still wins), etcdctl's
// -w as an alias of -o/--output.
import { describe, expect, it } from 'vitest';
import { cliHere } from '../e2e/support.js';

describe('conveniences', () => {
  it('KUBEDR_STATE_DIR is the default state dir; --state-dir wins over it', async () => {
    const env = await cliHere(['audit', 'nope'], { KUBEDR_STATE_DIR: '/tmp/kubedr-env-state' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('/tmp/kubedr-env-state/runs/nope/audit.jsonl');
    const flag = await cliHere(['audit', 'nope', '--state-dir', '/tmp/kubedr-flag-state'], { KUBEDR_STATE_DIR: '/tmp/kubedr-env-state' });
    expect(flag.stderr).toContain('/tmp/kubedr-flag-state/runs/nope/audit.jsonl');
  });

  it('-w json is -o json', async () => {
    const r = await cliHere(['plan', '-r', 'test/fixtures/runbooks/minimal.yaml', '-i', 'test/fixtures/inventories/three-masters.yaml', '--no-ssh-config', '-w', 'json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { version: number }).version).toBe(1);
  });
});
