// waitStaticPodsCurrent on a lab node: it passes only once the kubelet runs the pod on its
// changed manifest, and a manifest edit that changes nothing keeps the mtime, so the wait
// passes at once (a resumed run). The lab kubelet is paused (SIGSTOP, its pid inside the node)
// to hold a restart: no restart can happen then, whatever the machine's load.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useLab } from '../lab/vitest.js';
import { cliHere, tempDir } from '../e2e/support.js';

const env = useLab({ controlPlanes: 1, workers: 0 });
const dir = tempDir('wait-current');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runbook(name: string, heartbeat: string | undefined, timeout: string): string {
  const edit = heartbeat === undefined ? '' : `
      - id: edit
        targets: { roles: [etcd] }
        manifest:
          file: "{{ node.paths.manifestDir }}/etcd.yaml"
          setFlags: { --heartbeat-interval: "${heartbeat}" }`;
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `apiVersion: kubedr.io/v1alpha1
kind: Runbook
metadata: { name: ${name} }
phases:
  - name: etcd
    steps:${edit}
      - id: current
        targets: { roles: [etcd] }
        waitStaticPodsCurrent: { timeout: ${timeout} }
      - id: pid
        targets: { roles: [etcd] }
        shell: pgrep -x etcd
`);
  return path;
}

// --rollback never: an undo would put the original manifest back (its old mtime: then the old
// container is current again, rightly).
const run = (path: string): ReturnType<typeof cliHere> => cliHere(['run', '-r', path, '-i', env.lab.inventoryPath, '--state-dir', join(dir, 'state'), '--yes', '--output', 'json', '--rollback', 'never']);
const kubelet = (signal: 'STOP' | 'CONT'): Promise<unknown> => env.lab.exec('cp1', `kill -${signal} "$(cat ${env.lab.node('cp1').dirs.root}/runner.pid)"`);
const etcdPid = async (): Promise<string> => (await env.lab.exec('cp1', 'pgrep -x etcd')).stdout.trim();
const output = (r: Awaited<ReturnType<typeof cliHere>>, step: string): string =>
  r.events.filter((e) => e.kind === 'task-output' && e.stepId === step).map((e) => (e as { chunk: string }).chunk).join('');

describe('waitStaticPodsCurrent', () => {
  it('fails while the kubelet has not restarted the pod on its edited manifest, passes on the new container', async () => {
    const before = await etcdPid();
    await kubelet('STOP');
    try {
      const held = await run(runbook('held', '110', '3s'));
      expect(held.code).not.toBe(0);
      expect(held.events.find((e) => e.kind === 'task-end' && e.stepId === 'current')).toMatchObject({ outcome: 'failed' });
      expect(held.stdout + held.stderr).toContain('etcd: no container started after');
      expect(await etcdPid()).toBe(before);
    } finally {
      await kubelet('CONT');
    }
    const r = await run(runbook('after', undefined, '3m'));
    expect(r.code, r.stderr).toBe(0);
    expect(output(r, 'current')).toContain('etcd runs on its current manifest');
    const now = output(r, 'pid').trim();
    expect(now).not.toBe('');
    expect(now).not.toBe(before);
  });

  it('an edit that changes nothing keeps the manifest\'s mtime: the wait passes with no restart', async () => {
    const before = await etcdPid();
    await kubelet('STOP');
    try {
      const r = await run(runbook('again', '110', '30s'));
      expect(r.code, r.stderr).toBe(0);
      expect(output(r, 'pid').trim()).toBe(before);
    } finally {
      await kubelet('CONT');
    }
  });
});
