// external-etcd-restore cannot run on the lab (no systemd), so its config edit — the one step
// that rewrites a file by text, not YAML-aware — runs here, locally, exactly as planned: on an
// env file and on a unit's ExecStart, twice (resume), then its undo (byte-identical original).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planTexts } from '../../src/app/plan.js';
import type { PlannedAction } from '../../src/model/index.js';
import { resolveText } from '../../src/plan/index.js';
import { RUNBOOKS_DIR } from './drive.js';

const IC = 'etcd1=https://10.30.0.21:2380,etcd2=https://10.30.0.22:2380,etcd3=https://10.30.0.23:2380';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(): { dir: string; run: (which: 'action' | 'undo') => string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubedr-ext-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'stage', 'r1'), { recursive: true });
  mkdirSync(join(dir, 'bin'));
  // systemctl stand-in: where the unit is, and a log of daemon-reloads.
  writeFileSync(join(dir, 'bin', 'systemctl'), `#!/bin/sh\ncase "$1" in show) echo "${dir}/etcd.service" ;; daemon-reload) echo reload >> "${dir}/reloads" ;; esac\n`, { mode: 0o755 });
  const { plan } = planTexts(
    { text: readFileSync(join(RUNBOOKS_DIR, 'external-etcd-restore.yaml'), 'utf8'), source: 'external-etcd-restore.yaml' },
    { text: readFileSync('inventories/external-etcd.yaml', 'utf8'), source: 'inventories/external-etcd.yaml' },
    ['snapshot=README.md', 'snapshotSha256=00', `etcdEnvFile=${dir}/etcd.env`, `stageDir=${dir}/stage`],
  );
  const task = plan.phases.flatMap((p) => p.steps).find((s) => s.id === 'edit-etcd-config')?.tasks[0];
  if (!task?.undo) throw new Error('edit-etcd-config has no task with an undo');
  const script = (a: PlannedAction): string => (a.kind === 'shell' ? resolveText(a.script, (ref) => (ref === 'run.id' ? 'r1' : undefined)) : '');
  const scripts = { action: script(task.action), undo: script(task.undo) };
  return {
    dir,
    run: (which) => execFileSync('sh', ['-c', scripts[which]], { env: { ...process.env, PATH: `${dir}/bin:${process.env['PATH'] ?? ''}` }, encoding: 'utf8' }),
  };
}

describe('external-etcd-restore edit-etcd-config', () => {
  it('sets ETCD_INITIAL_CLUSTER and _STATE in the env file, again on a re-run, and its undo restores the original', () => {
    const { dir, run } = setup();
    const original = 'ETCD_NAME=etcd1\nETCD_DATA_DIR=/var/lib/etcd\nETCD_INITIAL_CLUSTER=etcd1=https://10.0.0.1:2380\nETCD_INITIAL_CLUSTER_STATE=new\nETCD_INITIAL_CLUSTER_TOKEN=k8s_etcd\n';
    writeFileSync(join(dir, 'etcd.env'), original);
    const expected = original.replace('ETCD_INITIAL_CLUSTER=etcd1=https://10.0.0.1:2380', `ETCD_INITIAL_CLUSTER=${IC}`).replace('_STATE=new', '_STATE=existing');
    run('action');
    expect(readFileSync(join(dir, 'etcd.env'), 'utf8')).toBe(expected);
    run('action');
    expect(readFileSync(join(dir, 'etcd.env'), 'utf8')).toBe(expected);
    run('undo');
    expect(readFileSync(join(dir, 'etcd.env'), 'utf8')).toBe(original);
    expect(readFileSync(join(dir, 'reloads'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('adds the two settings when the env file lacks them', () => {
    const { dir, run } = setup();
    writeFileSync(join(dir, 'etcd.env'), 'ETCD_NAME=etcd1\n');
    run('action');
    expect(readFileSync(join(dir, 'etcd.env'), 'utf8')).toBe(`ETCD_NAME=etcd1\nETCD_INITIAL_CLUSTER=${IC}\nETCD_INITIAL_CLUSTER_STATE=existing\n`);
  });

  it('without an env file, edits the flags of the unit\'s ExecStart and leaves the other flags alone', () => {
    const { dir, run } = setup();
    const unit = [
      '[Service]',
      'ExecStart=/usr/local/bin/etcd --name=etcd1 \\',
      '  --initial-cluster=etcd1=https://10.0.0.1:2380 \\',
      '  --initial-cluster-state new \\',
      '  --initial-cluster-token=tok \\',
      '  --data-dir=/var/lib/etcd',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'etcd.service'), unit);
    run('action');
    const edited = readFileSync(join(dir, 'etcd.service'), 'utf8');
    expect(edited).toContain(`  --initial-cluster=${IC} \\\n`);
    expect(edited).toContain('  --initial-cluster-state=existing \\\n');
    expect(edited).toContain('  --initial-cluster-token=tok \\\n');
    expect(edited.split('\n')).toHaveLength(unit.split('\n').length);
    run('undo');
    expect(readFileSync(join(dir, 'etcd.service'), 'utf8')).toBe(unit);
  });
});
