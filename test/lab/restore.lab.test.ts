// The manual 3-member HA restore of ../shared/reference/dr-procedures.md, typed as an operator
// would with plain ssh/scp and etcdctl, against a lab that lost quorum. If this passes, the lab is
// faithful enough for kubedr to automate the same procedure against it.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { breakQuorum, DAMAGED_DIR, seedKeys, takeSnapshot, verifyCluster, writeJunk, type Lab } from './index.js';
import { run, waitFor } from './proc.js';
import { useLab } from './vitest.js';

const env = useLab({ controlPlanes: 3, workers: 2 });

const STASH = '/etc/kubernetes/restore-stash';
const ETCDCTL = 'ETCDCTL_API=3 etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key';

/** Run a script on a node over ssh; fail the test with its stderr when it fails. */
async function sh(lab: Lab, node: string, script: string): Promise<string> {
  const r = await lab.ssh(node, script, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${node}: exit ${r.code}\n$ ${script}\n${r.stderr}`);
  return r.stdout;
}

it('restores a 3-member cluster after quorum loss by hand, and verifyCluster passes', async () => {
  const { lab } = env;
  const cps = ['cp1', 'cp2', 'cp3'];
  const workers = ['w1', 'w2'];
  const addr = (n: string): string => lab.node(n).address;
  const member = (n: string): string => lab.node(n).etcdName ?? n;
  const initialCluster = cps.map((n) => `${member(n)}=https://${addr(n)}:2380`).join(',');

  // Backup, then writes after it, then disaster.
  const seed = await seedKeys(lab, 2000);
  const snap = await takeSnapshot(lab, 'cp1', join(lab.root, 'backup.db'));
  const junk = await writeJunk(lab, 50);
  // A bootstrap token made after the backup lives in etcd, so the restore must forget it.
  const staleJoin = (await sh(lab, 'cp1', 'kubeadm token create --print-join-command')).trim();
  await breakQuorum(lab); // cp2, cp3: stopped and wiped
  expect(await verifyCluster(lab, { seeded: [seed] })).not.toEqual([]);
  const restoreStart = new Date();

  // 1. Stop etcd and the apiserver on every control-plane node (keep the manifests), and wait
  //    until the containers have actually exited.
  await Promise.all(cps.map((n) => sh(lab, n, `set -e; mkdir -p ${STASH}
    for f in kube-apiserver etcd; do if [ -f /etc/kubernetes/manifests/$f.yaml ]; then mv /etc/kubernetes/manifests/$f.yaml ${STASH}/; fi; done
    if [ -f ${DAMAGED_DIR}/etcd.yaml ]; then mv ${DAMAGED_DIR}/etcd.yaml ${STASH}/; fi
    test -f ${STASH}/etcd.yaml && test -f ${STASH}/kube-apiserver.yaml`)));
  await Promise.all(cps.map((n) => waitFor(`etcd and kube-apiserver to exit on ${n}`, 20_000, async () =>
    ((await sh(lab, n, "crictl ps --name '^(etcd|kube-apiserver)$' -q")).trim() === '' ? true : undefined), 250)));

  // 2. The same snapshot on every node, checked by sha256 on each.
  await Promise.all(cps.map(async (n) => {
    await sh(lab, n, 'mkdir -p /var/lib/kubedr-restore');
    const scp = await run('scp', ['-q', '-F', '/dev/null', '-i', lab.clientKeyPath, '-P', String(lab.node(n).sshPort),
      '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'BatchMode=yes', snap.path, `root@${addr(n)}:/var/lib/kubedr-restore/snapshot.db`]);
    expect(scp.code, scp.stderr).toBe(0);
    const check = await sh(lab, n, 'sha256sum /var/lib/kubedr-restore/snapshot.db && ETCDCTL_API=3 etcdctl --write-out=table snapshot status /var/lib/kubedr-restore/snapshot.db');
    expect(check.split(' ')[0]).toBe(snap.sha256);
    expect(check).toMatch(/HASH.*REVISION.*TOTAL KEYS/);
  }));

  // 3–4. Restore each member with its own identity and a fresh cluster token into a new dir;
  //      move the old data dir aside (never delete it) and the restored dir into place.
  const token = `kubedr-restore-${Date.now()}`;
  const stamp = restoreStart.toISOString().replace(/[:.]/g, '-');
  await Promise.all(cps.map((n) => sh(lab, n, `set -e
    ETCDCTL_API=3 etcdctl snapshot restore /var/lib/kubedr-restore/snapshot.db --name=${member(n)} \\
      --initial-cluster=${initialCluster} --initial-advertise-peer-urls=https://${addr(n)}:2380 \\
      --initial-cluster-token=${token} --data-dir=/var/lib/etcd-restored
    mv /var/lib/etcd /var/lib/etcd.before-restore-${stamp}
    mv /var/lib/etcd-restored /var/lib/etcd
    chmod 700 /var/lib/etcd`)));

  // 5. --initial-cluster-state=existing and the full --initial-cluster in every etcd.yaml.
  await Promise.all(cps.map((n) => sh(lab, n, `set -e
    sed -i -e 's#--initial-cluster-state=.*#--initial-cluster-state=existing#' -e 's#--initial-cluster=.*#--initial-cluster=${initialCluster}#' ${STASH}/etcd.yaml
    grep -q -- '--initial-cluster-state=existing' ${STASH}/etcd.yaml`)));

  // 6. etcd back everywhere; wait for every member healthy and exactly the expected member list;
  //    then the apiservers, and wait for /readyz; then restart controller-manager and scheduler.
  await Promise.all(cps.map((n) => sh(lab, n, `mv ${STASH}/etcd.yaml /etc/kubernetes/manifests/`)));
  const endpoints = cps.map((n) => `https://${addr(n)}:2379`).join(',');
  await waitFor('all members healthy', 30_000, async () => {
    const r = await lab.ssh('cp1', `${ETCDCTL} --endpoints=${endpoints} endpoint health`);
    return r.code === 0 ? true : undefined;
  });
  const members = await sh(lab, 'cp1', `${ETCDCTL} --endpoints=https://${addr('cp1')}:2379 member list`);
  expect(members.trim().split('\n').map((l) => l.split(', ').slice(1, 3).join(' ')).sort()).toEqual(cps.map((n) => `started ${member(n)}`));
  await Promise.all(cps.map((n) => sh(lab, n, `mv ${STASH}/kube-apiserver.yaml /etc/kubernetes/manifests/`)));
  await Promise.all(cps.map((n) => waitFor(`apiserver on ${n}`, 30_000, async () =>
    ((await lab.ssh(n, `curl -fsS --cacert /etc/kubernetes/pki/ca.crt https://${addr(n)}:6443/readyz`)).stdout === 'ok' ? true : undefined), 300)));
  await Promise.all(cps.map((n) => sh(lab, n, `set -e
    for c in kube-controller-manager kube-scheduler; do
      mv /etc/kubernetes/manifests/$c.yaml ${STASH}/
      while [ -n "$(crictl ps --name "^$c$" -q)" ]; do sleep 0.2; done
      mv ${STASH}/$c.yaml /etc/kubernetes/manifests/
    done`)));

  // 7. Workers: a fresh join command (its token exists only in the restored cluster), then
  //    reset + join on each worker.
  const stale = await lab.ssh('w1', `kubeadm reset -f >/dev/null && ${staleJoin}`);
  expect(stale.code).not.toBe(0);
  expect(stale.stderr).toMatch(/token id "[a-z0-9]{6}" is invalid/);
  const joinCmd = (await sh(lab, 'cp1', 'kubeadm token create --print-join-command')).trim();
  await Promise.all(workers.map((w) => sh(lab, w, `kubeadm reset -f && ${joinCmd}`)));

  expect(await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: restoreStart })).toEqual([]);
  // Nothing was deleted: the old data dirs are still there for the operator.
  for (const n of cps) expect(await sh(lab, n, `ls -d /var/lib/etcd.before-restore-${stamp}`)).not.toBe('');
});
