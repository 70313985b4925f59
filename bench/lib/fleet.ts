// The same per-host work, written for each contender from one lab: a kubedr runbook + inventory,
// an Ansible playbook + inventory + ansible.cfg (host keys checked against the lab's known_hosts),
// and a plain sequential ssh loop script.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderInventory } from '../../test/lab/inventory.js';
import type { Lab, LabNode } from '../../test/lab/index.js';
import { shellQuote } from '../../src/plan/quote.js';

/** Ten small shell steps, as a DR runbook's checks and edits look (read, write, hash, clean up). */
export const FANOUT_STEPS: readonly string[] = [
  'hostname',
  'uptime',
  'test -d /etc/kubernetes',
  'echo kubedr-bench > /tmp/kubedr-bench-marker',
  'cat /tmp/kubedr-bench-marker',
  'df -P /var/lib > /dev/null',
  'ls /etc/kubernetes',
  'grep -c processor /proc/cpuinfo',
  'sha256sum /etc/hostname',
  'rm -f /tmp/kubedr-bench-marker',
];

/**
 * The scale rows' second workload: the same ten steps, each first waiting 0.5 s on the node (a
 * probe, a wait for a pod, a slow disk). Per-host work is then latency, not CPU, so the rows show
 * whether kubedr itself serialises hosts, apart from the nodes sharing kubedr's two cores.
 */
export const WAITING_STEPS: readonly string[] = FANOUT_STEPS.map((s) => `sleep 0.5; ${s}`);

export function kubedrInventory(lab: Lab, nodes: readonly LabNode[], path: string): string {
  const sshPort = nodes[0]?.sshPort ?? 22;
  writeFileSync(path, renderInventory({ id: lab.id, sshPort, clientKeyPath: lab.clientKeyPath, knownHostsPath: lab.knownHostsPath, nodes: [...nodes] }));
  return path;
}

export function kubedrRunbook(steps: readonly string[], path: string): string {
  const lines = ['apiVersion: kubedr.io/v1alpha1', 'kind: Runbook', 'metadata: { name: bench-fanout }', 'phases:', '  - name: fanout', '    steps:'];
  steps.forEach((s, i) => lines.push(`      - id: s${i + 1}`, '        targets: { roles: [worker] }', `        shell: ${JSON.stringify(s)}`));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

export interface AnsibleFiles {
  cfg: string;
  inventory: string;
  playbook: string;
  /** ControlPersist sockets live here; closed after each run so every run starts cold. */
  controlDir: string;
  env: NodeJS.ProcessEnv;
}

export function ansibleFiles(lab: Lab, nodes: readonly LabNode[], steps: readonly string[], dir: string): AnsibleFiles {
  const inventory = join(dir, 'hosts.ini');
  const playbook = join(dir, 'playbook.yml');
  const cfg = join(dir, 'ansible.cfg');
  const controlDir = join(dir, 'cp');
  writeFileSync(inventory, [
    '[bench]',
    ...nodes.map((n) => `${n.name} ansible_host=${n.address} ansible_port=${n.sshPort}`),
    '[bench:vars]',
    'ansible_user=root',
    `ansible_ssh_private_key_file=${lab.clientKeyPath}`,
    'ansible_python_interpreter=/usr/bin/python3',
    '',
  ].join('\n'));
  writeFileSync(playbook, [
    '- hosts: bench',
    '  gather_facts: false',
    '  tasks:',
    ...steps.flatMap((s, i) => [`    - name: s${i + 1}`, `      ansible.builtin.shell: ${JSON.stringify(s)}`]),
    '',
  ].join('\n'));
  // Debian's ansible-core defaults plus what issue 7 asks: forks=50, pipelining, ControlPersist,
  // no fact gathering, host key checking on against the lab's known_hosts.
  writeFileSync(cfg, [
    '[defaults]',
    'forks = 50',
    'gathering = explicit',
    'host_key_checking = True',
    `inventory = ${inventory}`,
    'retry_files_enabled = False',
    'interpreter_python = /usr/bin/python3',
    '[ssh_connection]',
    'pipelining = True',
    `ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes -o BatchMode=yes`,
    `control_path_dir = ${controlDir}`,
    '',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = { ...process.env, ANSIBLE_CONFIG: cfg, ANSIBLE_HOME: join(dir, 'home'), ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'), ANSIBLE_NOCOLOR: '1' };
  delete env['SSH_AUTH_SOCK'];
  return { cfg, inventory, playbook, controlDir, env };
}

/** One `ssh` per host per step, sequentially: what an operator types in a for loop. */
export function sshLoopScript(lab: Lab, nodes: readonly LabNode[], steps: readonly string[], path: string): string {
  const opts = `-i ${shellQuote(lab.clientKeyPath)} -o UserKnownHostsFile=${shellQuote(lab.knownHostsPath)} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
  const hosts = nodes.map((n) => `${n.address}:${n.sshPort}`).join(' ');
  writeFileSync(path, [
    'set -eu',
    ...steps.map((s) => `for h in ${hosts}; do ssh ${opts} -p "\${h#*:}" root@"\${h%:*}" ${shellQuote(s)} > /dev/null; done`),
    '',
  ].join('\n'));
  return path;
}
