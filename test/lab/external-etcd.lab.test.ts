// The external etcd topology: etcd on its own hosts, run by the systemctl stand-in from
// Kubespray's unit + /etc/etcd.env with certificates under /etc/ssl/etcd/ssl, and control
// planes whose kube-apiserver reaches every member. The stand-in must behave as systemd does
// for what a restore runbook relies on: stop waits until the process is gone, start (Type=notify)
// returns once etcd serves, Restart=always brings a killed etcd back, EnvironmentFile is read at
// each start, a changed unit needs daemon-reload.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyCluster } from './index.js';
import { waitFor } from './proc.js';
import { useLab } from './vitest.js';

const env = useLab({ etcd: 'external', etcdHosts: 3, controlPlanes: 2, workers: 1 });
const pidOf = async (node: string): Promise<string> => (await env.lab.exec(node, 'pgrep -x etcd || true')).stdout.trim();

describe.sequential('external etcd lab', () => {
  it('comes up healthy: members etcd1..3 on e1..e3, apiservers on the control planes ready through them', async () => {
    const { lab } = env;
    expect(lab.nodes.map((n) => `${n.name}:${n.roles.join('+')}`)).toEqual(['e1:etcd', 'e2:etcd', 'e3:etcd', 'cp1:control-plane', 'cp2:control-plane', 'w1:worker']);
    expect(await verifyCluster(lab)).toEqual([]);
    const inv = readFileSync(lab.inventoryPath, 'utf8');
    expect(inv).toContain('cert: /etc/ssl/etcd/ssl/admin-e1.pem');
    expect(inv).toMatch(/name: e2\n.*\n.*\n\s+etcd: \{ name: etcd2 \}/);
    // The node's /etc is its own: nothing of it on the host, the host's files still visible.
    expect(existsSync('/etc/etcd.env')).toBe(false);
    expect((await lab.exec('e1', 'grep ^ETCD_NAME= /etc/etcd.env && ls /etc/ssl/etcd/ssl && test -r /etc/passwd')).stdout)
      .toMatch(/ETCD_NAME=etcd1\n[\s\S]*admin-e3\.pem[\s\S]*member-e1-key\.pem/);
    expect((await lab.exec('cp1', 'ls /etc/ssl/etcd/ssl; ls /etc/kubernetes/manifests; test -e /etc/kubernetes/pki/etcd && echo HAS-PKI-ETCD')).stdout.split('\n'))
      .toEqual(['ca.pem', 'node-cp1-key.pem', 'node-cp1.pem', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml', '']);
  });

  it('systemctl reports the unit as systemd does: is-active, cat, show -p, status', async () => {
    const { lab } = env;
    const r = await lab.ssh('e2', 'systemctl is-active etcd; systemctl show -p FragmentPath --value etcd; systemctl show -p ActiveState,EnvironmentFiles etcd; systemctl cat etcd | head -n 1; systemctl cat kubelet; echo "cat kubelet: $?"');
    expect(r.stdout.split('\n').slice(0, 6)).toEqual([
      'active', '/etc/systemd/system/etcd.service', 'ActiveState=active', 'EnvironmentFiles=/etc/etcd.env (ignore_errors=no)', '# /etc/systemd/system/etcd.service', 'cat kubelet: 1',
    ]);
    expect(r.stderr).toContain('No files found for kubelet.service.');
    const status = await lab.ssh('e2', 'systemctl status etcd');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Active: active \(running\)[\s\S]*Main PID: \d+ \(etcd\)/);
  });

  it('stop returns once etcd is gone; start returns once it serves; is-active follows', async () => {
    const { lab } = env;
    const stop = await lab.ssh('e3', 'systemctl stop etcd; echo "rc=$?"; pgrep -x etcd; systemctl is-active etcd; echo "is-active=$?"');
    expect(stop.stdout.split('\n')).toEqual(['rc=0', 'inactive', 'is-active=3', '']);
    // Stopped as systemd stops it: SIGTERM, and etcd shuts down by itself (it stops its peers; a SIGKILL would not).
    const stopped = await lab.ssh('e3', 'systemctl status etcd');
    expect(stopped.code).toBe(3);
    expect(stopped.stdout).toMatch(/rafthttp: stopped peer/);
    const start = await lab.ssh('e3', 'systemctl start etcd; echo "rc=$?"; systemctl is-active etcd');
    expect(start.stdout.split('\n')).toEqual(['rc=0', 'active', '']);
    expect(await verifyCluster(lab, { apiservers: false })).toEqual([]);
    const before = await pidOf('e3');
    expect((await lab.ssh('e3', 'systemctl restart etcd')).code).toBe(0);
    const after = await pidOf('e3');
    expect(after).not.toBe('');
    expect(after).not.toBe(before);
  });

  it('Restart=always brings a killed etcd back; the env file is read again at each start', async () => {
    const { lab } = env;
    const pid = await pidOf('e1');
    await lab.exec('e1', `kill -9 ${pid}`);
    await waitFor('etcd on e1 to be restarted', 30_000, async () => {
      const now = await pidOf('e1');
      return now !== '' && now !== pid && (await lab.exec('e1', 'systemctl is-active etcd')).stdout.trim() === 'active' ? true : undefined;
    });
    expect((await lab.exec('e1', 'systemctl show -p NRestarts --value etcd')).stdout.trim()).toBe('1');
    // A setting changed in /etc/etcd.env is what the next start runs with.
    await lab.exec('e1', "sed -i 's/^ETCD_SNAPSHOT_COUNT=.*/ETCD_SNAPSHOT_COUNT=12345/' /etc/etcd.env && systemctl restart etcd");
    expect((await lab.exec('e1', 'tr "\\0" "\\n" < /proc/$(pgrep -x etcd)/environ | grep ^ETCD_SNAPSHOT_COUNT=')).stdout.trim()).toBe('ETCD_SNAPSHOT_COUNT=12345');
  });

  it('a changed unit file is used only after daemon-reload (with systemd\'s warning before)', async () => {
    const { lab } = env;
    const unit = lab.hostPath('e2', '/etc/systemd/system/etcd.service');
    const original = readFileSync(unit, 'utf8');
    try {
      writeFileSync(unit, original.replace('ExecStart=/usr/bin/etcd', 'ExecStart=/usr/bin/etcd --max-txn-ops=200'));
      const stale = await lab.ssh('e2', 'systemctl restart etcd');
      expect(stale.stderr).toContain("changed on disk. Run 'systemctl daemon-reload' to reload units.");
      expect((await lab.exec('e2', 'cat /proc/$(pgrep -x etcd)/cmdline | tr "\\0" " "')).stdout.trim()).toBe('/usr/bin/etcd');
      expect((await lab.ssh('e2', 'systemctl daemon-reload && systemctl restart etcd')).code).toBe(0);
      expect((await lab.exec('e2', 'cat /proc/$(pgrep -x etcd)/cmdline | tr "\\0" " "')).stdout.trim()).toBe('/usr/bin/etcd --max-txn-ops=200');
    } finally {
      writeFileSync(unit, original);
      await lab.exec('e2', 'systemctl daemon-reload && systemctl restart etcd');
    }
    expect(await verifyCluster(lab)).toEqual([]);
  });
});
