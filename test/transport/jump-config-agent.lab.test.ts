// ProxyJump through a bastion sshd, ~/.ssh/config aliases, and ssh-agent auth, all real.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport } from '../../src/transport/index.js';
import { genKey, nodeFor, startSshd, type Sshd } from './helpers/sshd.js';
import { untilExists } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-jump-'));
const key = join(dir, 'id_ed25519');
const known = join(dir, 'known_hosts');
const opts = { timeoutMs: 10_000, sudo: false };
let target: Sshd;
let bastion: Sshd;
let closed: Sshd;

const tunnelLines = (s: Sshd): string[] => s.log().split('\n').filter((l) => l.includes('server_request_direct_tcpip'));

beforeAll(async () => {
  const pub = `${genKey(key)}\n`;
  target = await startSshd({ dir, authorizedKeys: pub });
  bastion = await startSshd({ dir, authorizedKeys: pub, extraConfig: ['LogLevel DEBUG1'] });
  closed = await startSshd({ dir, authorizedKeys: pub, extraConfig: ['AllowTcpForwarding no'] });
  writeFileSync(known, [target, bastion, closed].map((s) => `${s.knownHostsLine}\n`).join(''));
});

afterAll(async () => {
  await Promise.all([target?.stop(), bastion?.stop(), closed?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('proxy jump', () => {
  it('reaches the target through the bastion (the bastion opens the tunnel to it)', async () => {
    const t = createSshTransport({ nodes: [nodeFor('cp-1', target, { identityFile: key, knownHostsFile: known, proxyJump: `root@${bastion.host}:${bastion.port}` })] });
    try {
      expect((await t.exec('cp-1', 'echo via', opts)).stdout).toBe('via\n');
      expect(tunnelLines(bastion).some((l) => l.includes(`target ${target.host} port ${target.port}`))).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('fails as unreachable, naming the bastion, when the bastion forbids forwarding', async () => {
    const t = createSshTransport({ nodes: [nodeFor('cp-1', target, { identityFile: key, knownHostsFile: known, proxyJump: `${closed.host}:${closed.port}` })] });
    try {
      await expect(t.exec('cp-1', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE', message: expect.stringContaining(`bastion ${closed.host}:${closed.port}`) });
    } finally {
      await t.close();
    }
  });

  it('checks the bastion host key too', async () => {
    const onlyTarget = join(dir, 'known_target_only');
    writeFileSync(onlyTarget, `${target.knownHostsLine}\n`);
    const t = createSshTransport({ nodes: [nodeFor('cp-1', target, { identityFile: key, knownHostsFile: onlyTarget, proxyJump: `${bastion.host}:${bastion.port}` })] });
    try {
      await expect(t.exec('cp-1', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_HOST_KEY_UNKNOWN', message: expect.stringContaining(`${bastion.host}:${bastion.port}`) });
    } finally {
      await t.close();
    }
  });
});

describe('ssh config aliases', () => {
  it('resolves HostName, Port, User, IdentityFile, UserKnownHostsFile and ProxyJump from a config file', async () => {
    const config = join(dir, 'ssh_config');
    writeFileSync(
      config,
      [
        'Host cp-alias',
        `  HostName ${target.host}`,
        `  Port ${target.port}`,
        '  User root',
        `  IdentityFile ${key}`,
        `  UserKnownHostsFile ${known}`,
        '  ProxyJump bastion-alias',
        'Host bastion-alias',
        `  HostName ${bastion.host}`,
        `  Port=${bastion.port}`,
        `  IdentityFile ${key}`,
        '',
      ].join('\n'),
    );
    const before = tunnelLines(bastion).length;
    // user and port left to kubedr's defaults, so the config's User and Port apply (OpenSSH precedence)
    const node = nodeFor('cp-1', { host: 'cp-alias', port: 22 }, { defaulted: ['user', 'port'] });
    const t = createSshTransport({ nodes: [node], sshConfigPath: config });
    try {
      expect(await t.endpoint('cp-1')).toMatchObject({ host: target.host, port: target.port, knownHostsFile: known, jump: { host: bastion.host, port: bastion.port } });
      expect((await t.exec('cp-1', 'echo aliased', opts)).stdout).toBe('aliased\n');
      expect(tunnelLines(bastion).length).toBe(before + 1);
    } finally {
      await t.close();
    }
  });
});

describe('ssh-agent', () => {
  let agent: ChildProcess | undefined;
  const sock = join(dir, 'agent.sock');
  beforeAll(async () => {
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    await untilExists(sock);
    execFileSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  });
  afterAll(() => {
    if (agent?.pid !== undefined) process.kill(agent.pid, 'SIGTERM');
  });

  it('authenticates with a key held only by the agent (SSH_AUTH_SOCK)', async () => {
    // No identityFile for the node: the authorized key is reachable only through the agent
    // (the default ~/.ssh keys, if any, are not in this sshd's authorized_keys).
    const t = createSshTransport({ nodes: [nodeFor('cp-1', target, { knownHostsFile: known })], agent: sock });
    const without = createSshTransport({ nodes: [nodeFor('cp-1', target, { knownHostsFile: known })] });
    try {
      expect((await t.exec('cp-1', 'echo agent', opts)).stdout).toBe('agent\n');
      await expect(without.exec('cp-1', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_AUTH_FAILED' });
    } finally {
      await t.close();
      await without.close();
    }
  });
});
