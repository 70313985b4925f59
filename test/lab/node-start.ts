// One lab node: its directories under the lab root, sshd config and host key, the stand-in
// wrappers on its PATH, and the `unshare` that makes it a namespace (see node/init.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processStartTime, runOk, waitFor } from './proc.js';

export type LabRole = 'control-plane' | 'etcd' | 'worker';

export interface LabNodeDirs {
  /** Host directory that holds everything of this node. */
  root: string;
  /** Mounted at /etc/kubernetes inside the node. */
  etcKubernetes: string;
  /** Mounted at /var/lib inside the node (so `mv /var/lib/etcd /var/lib/etcd.old` works as on a real node). */
  varLib: string;
  /** /var/lib/etcd inside the node. */
  etcdData: string;
  /** /var/lib/kubelet inside the node. */
  kubelet: string;
  /** Mounted at /tmp inside the node (the lab root stays visible at its own path inside it). */
  tmp: string;
  /** Mounted at /root inside the node: root's home is per node, as on separate machines. */
  home: string;
  /** Stand-ins (kubeadm, crictl); mounted at /usr/local/sbin, first on PATH. */
  bin: string;
  /** Runner, sshd and per-pod logs (host only). */
  logs: string;
  /** Upper dir of the node's overlay on /etc, when it has one (external etcd labs). */
  etc: string;
  /** The overlay's work dir. */
  etcWork: string;
}

export interface LabNode {
  name: string;
  address: string;
  sshPort: number;
  roles: LabRole[];
  /** etcd --name of the member on this node (role etcd): deliberately not the node name. */
  etcdName?: string;
  dirs: LabNodeDirs;
}

const NODE_SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), 'node');
/** The checkout; bound into a node's private /tmp when it lives under /tmp (CI clones). */
const REPO_ROOT = join(NODE_SCRIPTS, '..', '..', '..');

/** Mount targets inside a node, and the dirs field that backs each. */
export const NODE_MOUNTS: readonly [string, keyof LabNodeDirs][] = [
  ['/etc/kubernetes', 'etcKubernetes'],
  ['/var/lib', 'varLib'],
  ['/usr/local/sbin', 'bin'],
  ['/tmp', 'tmp'],
  ['/root', 'home'],
];

export function nodeDirs(labRoot: string, name: string): LabNodeDirs {
  const root = join(labRoot, 'nodes', name);
  return {
    root,
    etcKubernetes: join(root, 'etc-kubernetes'),
    varLib: join(root, 'var-lib'),
    etcdData: join(root, 'var-lib', 'etcd'),
    kubelet: join(root, 'var-lib', 'kubelet'),
    tmp: join(root, 'tmp'),
    home: join(root, 'root'),
    bin: join(root, 'bin'),
    logs: join(root, 'logs'),
    etc: join(root, 'etc-upper'),
    etcWork: join(root, 'etc-work'),
  };
}

function sshdConfig(node: LabNode, labRoot: string): string {
  return [
    `# sshd of lab node ${node.name}: root by public key only, own host key, own address.`,
    `ListenAddress ${node.address}:${node.sshPort}`,
    `HostKey ${join(node.dirs.root, 'ssh_host_ed25519_key')}`,
    'PidFile none',
    `AuthorizedKeysFile ${join(labRoot, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The lab root is under /tmp (world-writable), which StrictModes would refuse.
    'StrictModes no',
    'UseDNS no',
    'MaxStartups 200:30:400',
    'Subsystem sftp internal-sftp',
    'SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

/** Create the node's directories, host key, sshd config, node.json and stand-in wrappers. */
export async function prepareNode(node: LabNode, labRoot: string, controlPlanes: { name: string; address: string }[], o: { systemd?: boolean } = {}): Promise<void> {
  const d = node.dirs;
  // A private /etc (overlay on the host's) and a systemctl stand-in: the external etcd topology.
  if (o.systemd) for (const dir of [d.etc, d.etcWork]) mkdirSync(dir, { recursive: true });
  for (const dir of [d.etcKubernetes, join(d.etcKubernetes, 'manifests'), join(d.etcKubernetes, 'pki'), d.kubelet, d.bin, d.logs, d.home]) {
    mkdirSync(dir, { recursive: true });
  }
  // /tmp inside the node is private (mode 1777 like the real one), with the lab root visible.
  mkdirSync(join(d.tmp, labRoot.replace(/^\/tmp\//, '')), { recursive: true });
  chmodSync(d.tmp, 0o1777);
  mkdirSync(d.etcdData, { recursive: true, mode: 0o700 });
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${node.name}`, '-f', join(d.root, 'ssh_host_ed25519_key')]);
  writeFileSync(join(d.root, 'sshd_config'), sshdConfig(node, labRoot));
  const cfg = { name: node.name, address: node.address, roles: node.roles, nodeDir: d.root, controlPlanes };
  writeFileSync(join(d.root, 'node.json'), JSON.stringify(cfg, null, 2));
  for (const tool of ['kubeadm', 'crictl', ...(o.systemd ? ['systemctl'] : [])]) {
    const wrapper = join(d.bin, tool);
    const env = `KUBEDR_LAB_NODE='${join(d.root, 'node.json')}'`;
    const js = join(NODE_SCRIPTS, `${tool}.js`);
    // crictl.sh answers the polled `crictl ps -q` itself and hands anything else to crictl.js.
    const body = tool === 'crictl'
      ? `${env} LAB_NODE_BIN='${process.execPath}' LAB_CRICTL_JS='${js}' exec /bin/sh '${join(NODE_SCRIPTS, 'crictl.sh')}' "$@"`
      : `${env} exec '${process.execPath}' '${js}' "$@"`;
    writeFileSync(wrapper, `#!/bin/sh\n${body}\n`);
    chmodSync(wrapper, 0o755);
  }
}

export function hostKeyLine(node: LabNode): string {
  const pub = readFileSync(join(node.dirs.root, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(' ');
  const host = node.sshPort === 22 ? node.address : `[${node.address}]:${node.sshPort}`;
  return `${host} ${pub[0]} ${pub[1]}`;
}

export interface StartedNode {
  child: ChildProcess;
  unsharePid: number;
  unshareStart?: number;
}

/**
 * Start the node's namespaces. `owned`: the node lives only as long as this process (its init
 * reads our pipe until EOF); otherwise it is detached and lives until `down`.
 */
export function spawnNode(node: LabNode, labRoot: string, owned: boolean): StartedNode {
  const log = openSync(join(node.dirs.logs, 'init.log'), 'a');
  const child = spawn(
    'unshare',
    ['--mount', '--uts', '--pid', '--fork', '--mount-proc', '--propagation', 'private', '--kill-child=SIGKILL', '/bin/sh', join(NODE_SCRIPTS, 'init.sh')],
    {
      stdio: [owned ? 'pipe' : 'ignore', log, log],
      detached: !owned,
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        LAB_NODE_NAME: node.name,
        LAB_NODE_DIR: node.dirs.root,
        LAB_ROOT: labRoot,
        LAB_REPO: REPO_ROOT,
        LAB_NODE_BIN: process.execPath,
        LAB_RUNNER: join(NODE_SCRIPTS, 'runner.js'),
        LAB_OWNED: owned ? '1' : '0',
      },
    },
  );
  if (child.pid === undefined) throw new Error(`could not start unshare for lab node ${node.name}`);
  child.unref();
  child.stdin?.on('error', () => {});
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return { child, unsharePid: child.pid, ...optStart(child.pid) };
}

function optStart(pid: number): { unshareStart?: number } {
  const t = processStartTime(pid);
  return t === undefined ? {} : { unshareStart: t };
}

/** Host PID of the node's PID 1: the only child of its `unshare --fork`. */
export async function findInitPid(unsharePid: number): Promise<number> {
  return waitFor(`the namespace init of unshare ${unsharePid}`, 5000, async () => {
    const children = `/proc/${unsharePid}/task/${unsharePid}/children`;
    if (existsSync(children)) {
      const pid = Number(readFileSync(children, 'utf8').trim().split(' ')[0]);
      if (pid > 0) return pid;
    }
    for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === unsharePid) return Number(p);
      } catch {
        /* gone */
      }
    }
    return undefined;
  }, 20);
}

/** Resolve once something accepts TCP connections on address:port. */
export function waitForPort(address: string, port: number, timeoutMs: number): Promise<true> {
  return waitFor(`${address}:${port} to accept connections`, timeoutMs, () => new Promise<true | undefined>((resolve) => {
    const s = connect({ host: address, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(undefined));
  }), 50);
}

export function initReady(node: LabNode): boolean {
  return existsSync(join(node.dirs.root, 'init.ready'));
}
