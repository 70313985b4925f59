// Baseline tools the benches compare against. Missing ones are installed with apt-get when we
// are root (as the lab does for etcd and sshd), since CI and fresh machines lack them.
import { existsSync } from 'node:fs';
import { run } from './proc.js';

export interface Tool {
  bin: string;
  pkg: string;
}

export const ANSIBLE: Tool = { bin: '/usr/bin/ansible-playbook', pkg: 'ansible-core' };
export const SSH: Tool = { bin: '/usr/bin/ssh', pkg: 'openssh-client' };
export const SCP: Tool = { bin: '/usr/bin/scp', pkg: 'openssh-client' };
export const ETCDCTL: Tool = { bin: '/usr/bin/etcdctl', pkg: 'etcd-client' };

export async function ensureTools(tools: readonly Tool[]): Promise<void> {
  const missing = [...new Set(tools.filter((t) => !existsSync(t.bin)).map((t) => t.pkg))];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`the bench needs these packages (install them, then run again): ${missing.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  process.stderr.write(`bench: installing ${missing.join(' ')} with apt-get…\n`);
  const upd = await run('apt-get', ['update', '-qq'], { env, timeoutMs: 300_000 });
  const inst = upd.code === 0 ? await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, timeoutMs: 600_000 }) : upd;
  if (inst.code !== 0) throw new Error(`could not install ${missing.join(' ')} with apt-get: ${inst.stderr.trim()}`);
}

/** First line of `<bin> <args>` output, or 'missing'. */
export async function versionOf(bin: string, args: readonly string[] = ['--version']): Promise<string> {
  try {
    const r = await run(bin, args, { timeoutMs: 30_000 });
    return (r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? 'unknown';
  } catch {
    return 'missing';
  }
}
