// A real OpenSSH sshd per test file, on its own 127.x.y.z address and free port so that
// developers running tests at the same time never collide. Stopped by PID (and its session
// children by PID) in afterAll, even when a test failed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import type { InventoryNode } from '../../../src/model/index.js';
import { shellQuote } from '../../../src/plan/quote.js';

export interface Sshd {
  host: string;
  port: number;
  pid: number;
  dir: string;
  /** `ssh-ed25519 AAAA…` line of the host key. */
  hostKeyLine: string;
  /** known_hosts line for this sshd (`[host]:port type key`). */
  knownHostsLine: string;
  log(): string;
  /** PIDs of per-connection sshd processes (direct children of the listener). */
  sessionPids(): number[];
  stop(): Promise<void>;
}

export function genKey(path: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'kubedr-test', '-f', path], { stdio: 'ignore' });
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** A random loopback address (never 127.0.0.1, which other tools like to use). */
export function randomLoopback(): string {
  const b = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));
  return `127.${b(10, 250)}.${b(0, 255)}.${b(2, 254)}`;
}

export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface SshdOptions {
  dir: string;
  /** authorized_keys content for every user. */
  authorizedKeys: string;
  extraConfig?: string[];
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** Reuse an existing host key file (to restart "the same" server). */
  hostKeyPath?: string;
  host?: string;
}

export async function startSshd(opts: SshdOptions): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  mkdirSync(opts.dir, { recursive: true });
  const host = opts.host ?? randomLoopback();
  const port = await freePort(host);
  const hostKey = opts.hostKeyPath ?? join(opts.dir, `host_${opts.hostKeyType ?? 'ed25519'}_${port}`);
  if (!opts.hostKeyPath) genKey(hostKey, opts.hostKeyType ?? 'ed25519');
  const hostKeyLine = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const authorized = join(opts.dir, `authorized_keys_${port}`);
  writeFileSync(authorized, opts.authorizedKeys, { mode: 0o644 });
  const logFile = join(opts.dir, `sshd_${port}.log`);
  const conf = join(opts.dir, `sshd_${port}.conf`);
  writeFileSync(
    conf,
    [
      // sshd keeps the first value it reads: options given by the test win over the defaults.
      ...(opts.extraConfig ?? []),
      `ListenAddress ${host}:${port}`,
      `HostKey ${hostKey}`,
      'PidFile none',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const child = spawnSshd(opts.dir, ['-D', '-f', conf, '-E', logFile]);
  const pid = child.pid;
  if (pid === undefined) throw new Error('sshd did not start');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForBanner(host, port, logFile, () => child.exitCode !== null || child.signalCode !== null);
  const sessionPids = (): number[] => childrenOf(pid);
  return {
    host,
    port,
    pid,
    dir: opts.dir,
    hostKeyLine,
    knownHostsLine: `[${host}]:${port} ${hostKeyLine}`,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    sessionPids,
    stop: async () => {
      const all = [...descendantsOf(pid)];
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (const p of all) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}

/**
 * This sshd shares the machine's users, /root among them. bash sources ~/.bashrc for every SSH
 * command, and a machine's root may run anything there: on ours `pyenv init` costs ~650 ms per
 * session, and 60 s once a killed `pyenv rehash` left its lock file behind (a whole CI run failed
 * on that). As root, sshd therefore runs in its own mount namespace where the user's shell
 * start-up files are empty files; everything else under ~ is the real one. The listener keeps
 * the spawned PID (unshare and sh exec into it), so stopping by PID is unchanged.
 */
export const SHELL_STARTUP_FILES = ['.bashrc', '.profile', '.bash_profile', '.bash_login'];

function spawnSshd(dir: string, args: string[]): ChildProcess {
  if (process.getuid?.() !== 0 || !hasUnshare()) return spawn('/usr/sbin/sshd', args, { stdio: 'ignore' });
  const empty = join(dir, 'empty-shell-startup');
  writeFileSync(empty, '');
  const home = homedir();
  const binds = SHELL_STARTUP_FILES.map((f) => join(home, f))
    .filter((f) => existsSync(f))
    .map((f) => `mount --bind ${shellQuote(empty)} ${shellQuote(f)} &&`)
    .join(' ');
  const script = `${binds} exec /usr/sbin/sshd "$@"`;
  return spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sshd', ...args], { stdio: 'ignore' });
}

let unshareOk: boolean | undefined;
function hasUnshare(): boolean {
  if (unshareOk === undefined) {
    try {
      execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' });
      unshareOk = true;
    } catch {
      unshareOk = false;
    }
  }
  return unshareOk;
}

/** Until sshd answers with its banner; fails with its log once it has exited (bad config, port taken). */
async function waitForBanner(host: string, port: number, logFile: string, exited: () => boolean): Promise<void> {
  while (!exited()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, host);
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('SSH-'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  let log = '';
  try {
    log = readFileSync(logFile, 'utf8');
  } catch {
    // none
  }
  throw new Error(`sshd on ${host}:${port} did not come up:\n${log}`);
}

/** Direct children of `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export function descendantsOf(pid: number): number[] {
  const direct = childrenOf(pid);
  return [...direct, ...direct.flatMap(descendantsOf)];
}

/** An inventory node pointing at a test sshd. */
export function nodeFor(name: string, sshd: { host: string; port: number }, ssh: Partial<InventoryNode['ssh']> = {}): InventoryNode {
  return {
    name,
    address: sshd.host,
    roles: ['control-plane'],
    groups: [],
    labels: {},
    ssh: { user: 'root', port: sshd.port, connectTimeoutMs: 5000, ...ssh },
    become: { enabled: false, method: 'sudo' },
    paths: { manifestDir: '/etc/kubernetes/manifests', etcdDataDir: '/var/lib/etcd', pkiDir: '/etc/kubernetes/pki' },
    vars: {},
  };
}
