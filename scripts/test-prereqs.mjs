#!/usr/bin/env node
// `npm test`'s pretest (and .ci/run): the lab tests drive real etcd, sshd and sudo, so every
// binary they need is installed here (root + apt-get) or reported with the fix. Nothing is left
// to be skipped silently: a prerequisite we cannot provide stops `npm test` with exit 1.
// Plain Node, no dependencies: it may run before `npm ci`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';

// binary -> Debian package. Keep in step with test/lab/env.ts (the lab's own check).
const NEEDED = [
  ['/usr/bin/etcd', 'etcd-server'],
  ['/usr/bin/etcdctl', 'etcd-client'],
  ['/usr/sbin/sshd', 'openssh-server'],
  ['/usr/bin/ssh', 'openssh-client'],
  ['/usr/bin/ssh-keygen', 'openssh-client'],
  ['/usr/bin/ssh-agent', 'openssh-client'],
  ['/usr/bin/openssl', 'openssl'],
  ['/usr/bin/unshare', 'util-linux'],
  ['/usr/bin/nsenter', 'util-linux'],
  ['/usr/bin/ps', 'procps'],
  // The transport's become tests (no tty, with and without a password) need a real sudo.
  ['/usr/bin/sudo', 'sudo'],
];

const say = (s) => process.stderr.write(`test prerequisites: ${s}\n`);
const fail = (s) => {
  say(s);
  say('unit tests alone (no root, no packages): npm run test:fast');
  process.exit(1);
};

if (process.platform !== 'linux') fail(`the lab tests need Linux namespaces; this is ${process.platform}`);
if (process.getuid?.() !== 0) fail('the lab tests need root (namespaces, bind mounts, throwaway sudo users): run `npm test` as root, e.g. in a container');

const missing = () => [...new Set(NEEDED.filter(([bin]) => !existsSync(bin)).map(([, pkg]) => pkg))];
let pkgs = missing();
if (pkgs.length > 0) {
  if (!existsSync('/usr/bin/apt-get')) fail(`missing packages and no apt-get to install them: ${pkgs.join(' ')} (install them by hand)`);
  say(`installing ${pkgs.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    fail(`apt-get could not install ${pkgs.join(' ')}; install them by hand`);
  }
  pkgs = missing();
  if (pkgs.length > 0) fail(`still missing after apt-get: ${pkgs.join(' ')}`);
}
say('ok (etcd, etcdctl, sshd, ssh, openssl, unshare, sudo)');
