// Kubespray inventories as operators have them: hosts.yaml + group_vars/ + host_vars/ (files and
// directories), connection vars mapped (ProxyCommand bastion, UserKnownHostsFile, become),
// Kubespray's etcd defaults, and the etcd deployment type choosing the runbook.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/app/plan.js';
import { validate, validateTexts } from '../../src/app/validate.js';
import { loadInventory, readInventory, readInventoryFile } from '../../src/inventory/index.js';
import { parseSshArgs } from '../../src/inventory/ansible-ssh-args.js';
import { cliHere } from '../e2e/support.js';

const params = ['snapshot=/etc/hosts', `snapshotSha256=${'a'.repeat(64)}`];
const sample = 'inventories/kubespray/hosts.yaml';

describe('the Kubespray sample', () => {
  it('plans exactly like its native twin', async () => {
    const a = await plan({ runbook: 'runbooks/external-etcd-restore.yaml', inventory: sample, params });
    const b = await plan({ runbook: 'runbooks/external-etcd-restore.yaml', inventory: 'inventories/kubespray-native.yaml', params });
    const strip = (p: typeof a.plan) => ({ ...p, hash: '', inventory: { ...p.inventory, source: '', hash: '' } });
    expect(strip(a.plan)).toEqual(strip(b.plan));
    expect(a.warnings).toEqual([]);
  });

  it('reads group_vars (dir) and host_vars (file); maps bastion, known_hosts, become, access_ip; Kubespray etcd defaults', async () => {
    const inv = await loadInventory(sample);
    const n3 = inv.nodes.find((n) => n.name === 'node3');
    expect(n3?.ssh).toMatchObject({ user: 'ops', port: 2222, proxyJump: 'jump@10.0.0.1', knownHostsFile: '~/.ssh/known_hosts_prod', identityFile: '~/.ssh/kubespray_ed25519' });
    expect(n3?.become.enabled).toBe(true);
    expect(n3?.etcd).toEqual({ name: 'etcd3', peerURL: 'https://10.10.0.13:2380', clientURL: 'https://10.10.0.13:2379' });
    expect(inv.etcd.tls).toEqual({ cacert: '/etc/ssl/etcd/ssl/ca.pem', cert: '/etc/ssl/etcd/ssl/admin-node1.pem', key: '/etc/ssl/etcd/ssl/admin-node1-key.pem' });
    expect(inv.cluster.name).toBe('prod-kubespray');
    expect(inv.nodes.find((n) => n.name === 'node4')?.vars).toMatchObject({ kube_version: 'v1.29.5' });
  });

  it('refuses ha-restore for etcd_deployment_type host, naming external-etcd-restore (exit 2)', async () => {
    const r = await cliHere(['validate', '-r', 'runbooks/ha-restore.yaml', '-i', sample, '--no-ssh-config', ...params.flatMap((p) => ['--param', p])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('RUNBOOK_ETCD_DEPLOYMENT_MISMATCH');
    expect(r.stderr).toContain('use -r external-etcd-restore');
  });
});

describe('Ansible vars files and connection vars (real files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubedr-ansible-'));
  mkdirSync(join(dir, 'host_vars', 'cp1'), { recursive: true });
  mkdirSync(join(dir, 'group_vars'));
  writeFileSync(join(dir, 'hosts.yaml'), 'all:\n  hosts:\n    cp1: { ansible_host: 10.0.0.1 }\n    cp2: { ansible_host: 10.0.0.2 }\n  children:\n    kube_control_plane: { hosts: { cp1: , cp2: } }\n    etcd: { hosts: { cp1: , cp2: } }\n');
  writeFileSync(join(dir, 'group_vars', 'etcd.yaml'), 'etcd_deployment_type: kubeadm\nansible_user: admin\n');
  writeFileSync(join(dir, 'host_vars', 'cp1', 'conn.yml'), 'ansible_ssh_common_args: "-J jump@bastion -o StrictHostKeyChecking=no"\n');
  writeFileSync(join(dir, 'host_vars', 'cp2'), 'ansible_become: true\nansible_become_method: su\n');

  it('a become method other than sudo is an error; unknown ssh args a warning; kubeadm etcd keeps member names', async () => {
    const r = await readInventoryFile(join(dir, 'hosts.yaml'));
    expect(r.problems.map((p) => `${p.severity} ${p.code}`).sort()).toEqual(['error ANSIBLE_BECOME_METHOD_UNSUPPORTED', 'warning ANSIBLE_SSH_ARGS_IGNORED', 'warning INVENTORY_EVEN_ETCD_MEMBERS']);
    expect(r.problems.find((p) => p.code === 'ANSIBLE_SSH_ARGS_IGNORED')?.message).toContain('StrictHostKeyChecking=no');
    expect(r.inventory?.nodes[0]?.ssh).toMatchObject({ user: 'admin', proxyJump: 'jump@bastion' });
    expect(r.inventory?.nodes[0]?.etcd?.name).toBe('cp1');
  });

  it('refuses external-etcd-restore for etcd_deployment_type kubeadm, naming ha-restore', async () => {
    writeFileSync(join(dir, 'host_vars', 'cp2'), 'ansible_become: true\n');
    const report = await validate({ runbook: 'runbooks/external-etcd-restore.yaml', inventory: join(dir, 'hosts.yaml'), params });
    expect(report.problems.find((p) => p.code === 'RUNBOOK_ETCD_DEPLOYMENT_MISMATCH')?.hint).toBe('use -r ha-restore');
  });
});

describe('a Kubespray inventory that does not say etcd_deployment_type', () => {
  const hosts = (groups: string) => `all:\n  hosts:\n    n1: { ansible_host: 10.0.0.1 }\n    n2: { ansible_host: 10.0.0.2 }\n    n3: { ansible_host: 10.0.0.3 }\n  children:\n${groups}`;
  const kubespray = hosts('    kube_control_plane: { hosts: { n1: , n2: , n3: } }\n    etcd: { hosts: { n1: , n2: , n3: } }\n    k8s_cluster: { children: { kube_control_plane: } }\n');

  it("is taken as Kubespray's default, host, with a warning: members etcd1…, certs in /etc/ssl/etcd/ssl, ha-restore refused", () => {
    const r = readInventory(kubespray, 'hosts.yaml');
    expect(r.problems.map((p) => `${p.severity} ${p.code} ${p.pos?.line ?? ''}`)).toEqual(['warning ANSIBLE_ETCD_DEPLOYMENT_DEFAULT 2']);
    expect(r.inventory?.vars.etcd_deployment_type).toBe('host');
    expect(r.inventory?.nodes.map((n) => n.etcd?.name)).toEqual(['etcd1', 'etcd2', 'etcd3']);
    expect(r.inventory?.etcd.tls.cacert).toBe('/etc/ssl/etcd/ssl/ca.pem');
    const text = readFileSync('runbooks/ha-restore.yaml', 'utf8');
    const report = validateTexts({ text, source: 'ha-restore.yaml' }, { text: kubespray, source: 'hosts.yaml' }, params);
    const mismatch = report.problems.find((p) => p.code === 'RUNBOOK_ETCD_DEPLOYMENT_MISMATCH');
    expect(mismatch?.hint).toBe('use -r external-etcd-restore');
    // At the runbook's metadata.name.
    expect(mismatch?.pos).toEqual({ file: 'ha-restore.yaml', line: text.split('\n').indexOf('  name: ha-restore') + 1, col: 9 });
  });

  it('an Ansible inventory that is not Kubespray\'s keeps the kubeadm defaults, without a warning', () => {
    const r = readInventory(hosts('    masters: { hosts: { n1: , n2: , n3: } }\n    etcd: { hosts: { n1: , n2: , n3: } }\n'), 'hosts.yaml');
    expect(r.problems).toEqual([]);
    expect(r.inventory?.vars.etcd_deployment_type).toBeUndefined();
    expect(r.inventory?.nodes.map((n) => n.etcd?.name)).toEqual(['n1', 'n2', 'n3']);
  });
});

describe('parseSshArgs', () => {
  it('ProxyJump, -J, a bastion ProxyCommand, UserKnownHostsFile; the rest is listed', () => {
    expect(parseSshArgs('-o ProxyJump=a@b:2200')).toEqual({ proxyJump: 'a@b:2200', ignored: [] });
    expect(parseSshArgs(`-o ProxyCommand="ssh -W %h:%p -q -p 2022 ops@bastion" -o UserKnownHostsFile=/k -o ServerAliveInterval=5`)).toEqual({ proxyJump: 'ops@bastion:2022', knownHostsFile: '/k', ignored: ['-o ServerAliveInterval=5'] });
    expect(parseSshArgs('-o ProxyCommand="nc -X 5 -x proxy:1080 %h %p"').ignored).toHaveLength(1);
  });
});
