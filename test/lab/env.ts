// The lab needs Linux namespaces (so root), real etcd/etcdctl, sshd and openssl. Install what is
// missing when we may (root + apt); otherwise fail early with what to install.
import { existsSync, mkdirSync } from 'node:fs';
import { run } from './proc.js';

const NEEDED: { bin: string; pkg: string }[] = [
  { bin: '/usr/bin/etcd', pkg: 'etcd-server' },
  { bin: '/usr/bin/etcdctl', pkg: 'etcd-client' },
  { bin: '/usr/sbin/sshd', pkg: 'openssh-server' },
  { bin: '/usr/bin/ssh', pkg: 'openssh-client' },
  { bin: '/usr/bin/ssh-keygen', pkg: 'openssh-client' },
  { bin: '/usr/bin/openssl', pkg: 'openssl' },
  { bin: '/usr/bin/unshare', pkg: 'util-linux' },
  { bin: '/usr/bin/nsenter', pkg: 'util-linux' },
];

export class LabPrerequisiteError extends Error {
  readonly code = 'LAB_PREREQUISITE';
}

let checked = false;

/** Make sure every binary the lab runs exists; installs them with apt-get when root. */
export async function ensurePrerequisites(): Promise<void> {
  if (checked) return;
  if (process.platform !== 'linux') {
    throw new LabPrerequisiteError('the kubedr lab needs Linux (mount/UTS/PID namespaces); this is ' + process.platform);
  }
  if (process.getuid?.() !== 0) {
    throw new LabPrerequisiteError('the kubedr lab needs root (it creates namespaces and bind mounts); run it as root, e.g. in the CI container or with sudo');
  }
  const missing = [...new Set(NEEDED.filter((n) => !existsSync(n.bin)).map((n) => n.pkg))];
  if (missing.length > 0) {
    if (!existsSync('/usr/bin/apt-get')) {
      throw new LabPrerequisiteError(`the kubedr lab needs these packages, and apt-get is not available to install them: ${missing.join(' ')}`);
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const upd = await run('apt-get', ['update', '-qq'], { env });
    const inst = upd.code === 0 ? await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env }) : upd;
    if (inst.code !== 0) {
      throw new LabPrerequisiteError(`could not install ${missing.join(' ')} with apt-get (install them by hand): ${inst.stderr.trim()}`);
    }
  }
  const probe = await run('unshare', ['--mount', '--uts', '--pid', '--fork', '--mount-proc', 'true']);
  if (probe.code !== 0) {
    throw new LabPrerequisiteError(`this machine does not let us create mount/UTS/PID namespaces (a container without CAP_SYS_ADMIN?): unshare: ${probe.stderr.trim()}`);
  }
  // sshd's privilege-separation directory, and /etc/kubernetes as a bind-mount target (it stays
  // empty on the host: each node mounts its own directory over it in its private namespace).
  for (const dir of ['/run/sshd', '/etc/kubernetes']) mkdirSync(dir, { recursive: true });
  checked = true;
}
