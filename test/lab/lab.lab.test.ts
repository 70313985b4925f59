// The lab behaves like a kubeadm node where DR runbooks can tell the difference: static pods
// follow their manifests, kubeadm join checks token and CA pin, OpenSSH checks host keys, and
// `down` leaves nothing behind.
// Waits are for conditions with no bound of their own: the test timeout is the bound, so a
// loaded machine (the cluster took over 30 s to come up at load ~45) is slow, not failing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiserverReady, changeHostKey, findLeftovers, seedKeys, stopPod, verifyCluster, wipeAll } from './index.js';
import { run, runOk, waitFor } from './proc.js';
import { useLab } from './vitest.js';

const env = useLab({ controlPlanes: 3, workers: 2 });

async function etcdPid(node: string): Promise<string> {
  const r = await env.lab.exec(node, 'pgrep -x etcd');
  return r.stdout.trim();
}

describe('lab nodes', () => {
  it('each node has its own hostname and private /etc/kubernetes, /var/lib and /tmp', async () => {
    const { lab } = env;
    expect((await lab.exec('cp2', 'hostname')).stdout.trim()).toBe('cp2');
    expect((await lab.exec('w1', 'ls /etc/kubernetes/manifests | wc -l')).stdout.trim()).toBe('0');
    expect((await lab.exec('cp1', 'ls /etc/kubernetes/manifests')).stdout.split('\n').filter(Boolean)).toEqual([
      'etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml',
    ]);
    await lab.exec('cp1', 'echo cp1 > /tmp/who && echo cp1 > /var/lib/kubelet/who');
    expect((await lab.exec('cp2', 'cat /tmp/who /var/lib/kubelet/who 2>&1; true')).stdout).not.toContain('cp1');
    expect(readFileSync(lab.hostPath('cp1', '/var/lib/kubelet/who'), 'utf8')).toBe('cp1\n');
    // The host's own directories stay untouched.
    expect((await run('ls', ['-A', '/etc/kubernetes'])).stdout).toBe('');
  });

  it('manifests on disk keep kubeadm 127.0.0.1 URLs; the running etcd listens on the node address', async () => {
    const { lab } = env;
    const manifest = readFileSync(lab.hostPath('cp1', '/etc/kubernetes/manifests/etcd.yaml'), 'utf8');
    expect(manifest).toContain(`--listen-client-urls=https://127.0.0.1:2379,https://${lab.node('cp1').address}:2379`);
    const cmdline = (await lab.exec('cp1', 'cat /proc/$(pgrep -x etcd)/cmdline | tr "\\0" " "')).stdout;
    expect(cmdline).toContain(`--listen-client-urls=https://${lab.node('cp1').address}:2379 `);
    expect(cmdline).not.toContain('127.0.0.1');
  });

  it('removing etcd.yaml stops etcd; putting it back starts it; crictl ps follows', async () => {
    const { lab } = env;
    expect(await etcdPid('cp3')).toMatch(/^\d+$/);
    await stopPod(lab, 'cp3', 'etcd', '/etc/kubernetes/tmp');
    expect(await etcdPid('cp3')).toBe('');
    expect((await lab.ssh('cp3', 'crictl ps --name etcd -q')).stdout.trim()).toBe('');
    await lab.exec('cp3', 'mv /etc/kubernetes/tmp/etcd.yaml /etc/kubernetes/manifests/');
    await waitFor('etcd on cp3 to come back', Number.POSITIVE_INFINITY, async () => ((await etcdPid('cp3')) ? true : undefined));
    expect((await lab.ssh('cp3', 'crictl ps --name etcd')).stdout).toMatch(/Running\s+etcd\s+0\s/);
    expect((await lab.ssh('cp3', 'crictl logs --tail 50 $(crictl ps --name etcd -q)')).stdout).toContain('etcdserver');
  });

  it('changing etcd.yaml restarts etcd with the new flags', async () => {
    const { lab } = env;
    const before = await etcdPid('cp2');
    await lab.ssh('cp2', "sed -i 's/--snapshot-count=10000/--snapshot-count=5000/' /etc/kubernetes/manifests/etcd.yaml");
    const after = await waitFor('etcd on cp2 to restart', Number.POSITIVE_INFINITY, async () => {
      const pid = await etcdPid('cp2');
      return pid && pid !== before ? pid : undefined;
    });
    expect((await lab.exec('cp2', `tr '\\0' ' ' < /proc/${after}/cmdline`)).stdout).toContain('--snapshot-count=5000');
  });

  it('a crashed container is restarted with back-off and a higher attempt count', async () => {
    const { lab } = env;
    const before = await etcdPid('cp1');
    await lab.exec('cp1', `kill -9 ${before}`);
    await waitFor('etcd on cp1 to be restarted', Number.POSITIVE_INFINITY, async () => {
      const pid = await etcdPid('cp1');
      return pid && pid !== before ? pid : undefined;
    });
    expect((await lab.ssh('cp1', 'crictl ps --name etcd')).stdout).toMatch(/Running\s+etcd\s+1\s/);
  });
});

describe('kubeadm stand-in', () => {
  it('join refuses a bad token, a wrong CA pin and an existing kubelet.conf; a fresh token works', async () => {
    const { lab } = env;
    const t0 = Date.now();
    const joinCmd = (await lab.ssh('cp1', 'kubeadm token create --print-join-command')).stdout.trim();
    expect(joinCmd).toMatch(/^kubeadm join 127\.\d+\.0\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/);
    // The pin is what kubeadm's docs compute with openssl from the CA's public key.
    const pin = await runOk('sh', ['-c', `openssl x509 -pubkey -noout -in '${lab.root}/pki/ca.crt' | openssl pkey -pubin -outform der | sha256sum`]);
    expect(joinCmd.endsWith(`sha256:${pin.split(' ')[0]}`)).toBe(true);

    const existing = await lab.ssh('w1', joinCmd);
    expect(existing.code).not.toBe(0);
    expect(existing.stderr).toContain('[ERROR FileAvailable--etc-kubernetes-kubelet.conf]');

    const badToken = joinCmd.replace(/--token \S+/, '--token abcdef.0123456789abcdef');
    const bad = await lab.ssh('w1', `kubeadm reset -f >/dev/null && ${badToken}`);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('token id "abcdef" is invalid');
    expect(bad.stderr).not.toContain('0123456789abcdef');

    const badPin = await lab.ssh('w1', joinCmd.replace(/sha256:\w+/, `sha256:${'0'.repeat(64)}`));
    expect(badPin.code).not.toBe(0);
    expect(badPin.stderr).toContain('none of the public keys');

    const ok = await lab.ssh('w1', joinCmd);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const joined = JSON.parse(readFileSync(lab.hostPath('w1', '/var/lib/kubelet/kubedr-lab-joined.json'), 'utf8')) as { joinedAt: string };
    expect(Date.parse(joined.joinedAt)).toBeGreaterThanOrEqual(t0);

    const again = await lab.ssh('w1', `${joinCmd} --ignore-preflight-errors=FileAvailable--etc-kubernetes-kubelet.conf,FileAvailable--etc-kubernetes-pki-ca.crt`);
    expect(again.code).toBe(0);
  });

  it('token create needs a ready apiserver (and refuses on a worker)', async () => {
    const { lab } = env;
    expect((await lab.ssh('w2', 'kubeadm token create')).code).not.toBe(0);
    await stopPod(lab, 'cp2', 'kube-apiserver', '/etc/kubernetes/tmp');
    expect(await apiserverReady(lab, 'cp2')).toBe(false);
    const r = await lab.ssh('cp2', 'kubeadm token create --print-join-command');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('not ready');
    await lab.exec('cp2', 'mv /etc/kubernetes/tmp/kube-apiserver.yaml /etc/kubernetes/manifests/');
    await waitFor('apiserver on cp2', Number.POSITIVE_INFINITY, async () => ((await apiserverReady(lab, 'cp2')) ? true : undefined));
  });
});

describe('OpenSSH', () => {
  it('connects with the generated key and known_hosts, and runs the sftp subsystem', async () => {
    const { lab } = env;
    const r = await lab.ssh('w2', 'hostname && id -u && command -v kubeadm crictl etcdctl node');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['w2', '0']);
    expect(r.stdout).toContain('/usr/local/sbin/kubeadm');
    const w2 = lab.node('w2');
    const local = join(lab.root, 'sftp-probe');
    writeFileSync(local, 'probe');
    const scp = await run('scp', ['-q', '-F', '/dev/null', '-i', lab.clientKeyPath, '-P', String(w2.sshPort), '-o', `UserKnownHostsFile=${lab.knownHostsPath}`,
      '-o', 'BatchMode=yes', local, `root@${w2.address}:/var/lib/kubelet/probe`]);
    expect(scp.stderr).toBe('');
    expect(readFileSync(lab.hostPath('w2', '/var/lib/kubelet/probe'), 'utf8')).toBe('probe');
  });

  it('refuses a node whose host key changed, and a node missing from known_hosts', async () => {
    const { lab } = env;
    const w1 = lab.node('w1');
    const undo = await changeHostKey(lab, 'w1');
    const changed = await lab.ssh('w1', 'true');
    undo();
    expect(changed.code).toBe(255);
    expect(changed.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect((await lab.ssh('w1', 'hostname')).stdout).toBe('w1\n');

    const dir = mkdtempSync(join(tmpdir(), 'kubedr-lab-test-'));
    try {
      const host = w1.sshPort === 22 ? w1.address : `[${w1.address}]:${w1.sshPort}`;
      const lines = readFileSync(lab.knownHostsPath, 'utf8').trim().split('\n');
      writeFileSync(join(dir, 'missing'), lines.filter((l) => !l.startsWith(`${host} `)).join('\n') + '\n');
      const r = await run('ssh', ['-F', '/dev/null', '-i', lab.clientKeyPath, '-p', String(w1.sshPort), '-o', `UserKnownHostsFile=${join(dir, 'missing')}`,
        '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${w1.address}`, 'true']);
      expect(r.code).toBe(255);
      expect(r.stderr).toContain('Host key verification failed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('damage and verify', () => {
  it('verifyCluster passes on the healthy lab and names every member and apiserver after wipeAll', async () => {
    const { lab } = env;
    const seed = await seedKeys(lab, 300);
    expect(await verifyCluster(lab, { seeded: [seed] })).toEqual([]);
    const damage = await wipeAll(lab);
    expect(damage.members).toEqual(['cp1', 'cp2', 'cp3']);
    expect((await lab.exec('cp1', 'ls -A /var/lib/etcd')).stdout.trim()).toBe('');
    const failures = await verifyCluster(lab, { seeded: [seed] });
    for (const n of ['cp1', 'cp2', 'cp3']) {
      expect(failures).toContainEqual(expect.stringMatching(new RegExp(`^etcd ${n}: not healthy`)));
      expect(failures).toContain(`kube-apiserver on ${n}: /readyz is not 200`);
    }
  });
});

describe('teardown', () => {
  it('down stops every process of the lab and leaves no mount or directory behind', async () => {
    const { lab } = env;
    const pids = lab.state.nodes.flatMap((n) => [n.unsharePid, n.initPid ?? 0]);
    expect(findLeftovers(lab.root).length).toBeGreaterThan(0);
    await lab.down();
    expect(findLeftovers(lab.root)).toEqual([]);
    const ps = (await runOk('ps', ['-eo', 'pid=,args='])).split('\n');
    expect(ps.filter((l) => l.includes(lab.root) || pids.includes(Number(l.trim().split(' ')[0])))).toEqual([]);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(lab.root);
  });
});
