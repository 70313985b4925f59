// ~/.ssh/config as OpenSSH reads it (parsed by the `ssh-config` package), from real files:
// first value wins, IdentityFile accumulates, Include is followed, Match host/user applies,
// Match exec is refused with file:line, and explicit inventory values win over the config.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../src/transport/endpoints.js';
import { loadSshConfig, parseSshConfig, resolveSshHost } from '../../src/transport/ssh-config.js';
import { nodeFor } from './helpers/sshd.js';

const ctx = { home: '/home/op', localUser: 'op' };
const text = `
# global defaults come first in OpenSSH order
IdentityFile ~/.ssh/global

Host cp-* !cp-9
  HostName %h.dc1.example
  User admin
  Port 2222
  IdentityFile ~/.ssh/cp_%r
  ProxyJump jump@bastion:22
  UserKnownHostsFile "~/.ssh/known hosts" /etc/other
  ConnectTimeout 7

Match host cp-9
  User matched

Host cp-1
  User second-wins-not
  Port=2200

Host bastion
  HostName 10.9.9.9
  ProxyJump none
`;
const config = parseSshConfig(text, '/home/op/.ssh/config', { home: ctx.home });

describe('resolveSshHost', () => {
  it('applies the first value of each option, accumulates IdentityFile, expands ~ and %-tokens', () => {
    expect(resolveSshHost(config, 'cp-1', ctx)).toEqual({
      hostName: 'cp-1.dc1.example',
      user: 'admin',
      port: 2222,
      identityFiles: ['/home/op/.ssh/global', '/home/op/.ssh/cp_admin'],
      proxyJump: 'jump@bastion:22',
      userKnownHostsFile: '/home/op/.ssh/known hosts',
      connectTimeoutMs: 7000,
    });
  });

  it('honours negated patterns; Match host applies', () => {
    expect(resolveSshHost(config, 'cp-9', ctx)).toEqual({ identityFiles: ['/home/op/.ssh/global'], user: 'matched' });
  });

  it('Match user sees the inventory user', () => {
    const c = parseSshConfig('Match user ops\n  Port 2201\nHost *\n  Port 22\n', 'cfg');
    expect(resolveSshHost(c, 'h', { ...ctx, user: 'ops' }).port).toBe(2201);
    expect(resolveSshHost(c, 'h', { ...ctx, user: 'root' }).port).toBe(22);
  });

  it('ProxyJump none means no jump', () => {
    expect(resolveSshHost(config, 'bastion', ctx)).toMatchObject({ hostName: '10.9.9.9' });
    expect(resolveSshHost(config, 'bastion', ctx).proxyJump).toBeUndefined();
  });

  it('refuses Match exec (and other criteria kubedr cannot evaluate) naming file:line', () => {
    expect(() => parseSshConfig('Host a\n  User x\nMatch host b exec "test -f /x"\n  User y\n', '/home/op/.ssh/config')).toThrow(
      expect.objectContaining({ code: 'SSH_CONFIG_UNSUPPORTED', exitCode: 2, message: expect.stringContaining('/home/op/.ssh/config:3: "Match exec"') }),
    );
    expect(() => parseSshConfig('Match canonical all\n', 'c')).toThrow(expect.objectContaining({ code: 'SSH_CONFIG_UNSUPPORTED' }));
  });
});

describe('Include (real files)', () => {
  const home = mkdtempSync(join(tmpdir(), 'kubedr-sshcfg-'));
  mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'conf.d', '10-prod.conf'), 'Host prod-cp1\n  HostName 10.1.0.11\n  User ops\n');
  writeFileSync(join(home, '.ssh', 'conf.d', '20-lab.conf'), 'Host lab-*\n  Port 2022\n');
  writeFileSync(join(home, '.ssh', 'bastion.conf'), 'ProxyJump jump@10.1.0.1\n');
  writeFileSync(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nHost prod-*\n  Include bastion.conf\n  Port 2200\n');

  it('follows Include (relative to ~/.ssh, globs in file names, inside Host blocks too)', () => {
    const c = loadSshConfig(join(home, '.ssh', 'config'), { home });
    expect(resolveSshHost(c, 'prod-cp1', { ...ctx, home })).toMatchObject({ hostName: '10.1.0.11', user: 'ops', port: 2200, proxyJump: 'jump@10.1.0.1' });
    expect(resolveSshHost(c, 'lab-1', { ...ctx, home })).toEqual({ identityFiles: [], port: 2022 });
  });

  it('a missing included file is an error naming it, not a silent ENOTFOUND later', () => {
    writeFileSync(join(home, 'broken'), 'Include ~/.ssh/nope.conf\n');
    expect(() => loadSshConfig(join(home, 'broken'), { home })).toThrow(expect.objectContaining({ code: 'SSH_CONFIG_INCLUDE', message: expect.stringContaining('nope.conf') }));
  });

  it('a missing config file is an empty config', () => {
    expect(resolveSshHost(loadSshConfig(join(home, 'absent')), 'x', ctx)).toEqual({ identityFiles: [] });
  });
});

describe('endpointOf', () => {
  it('explicit inventory values win over the config (OpenSSH/Ansible precedence)', () => {
    const node = nodeFor('n1', { host: 'cp-1', port: 2201 }, { user: 'ops', identityFile: '/keys/inv', knownHostsFile: '/kh/inv' });
    const ep = endpointOf(node, { sshConfig: config, ...ctx });
    expect(ep).toMatchObject({ name: 'n1', host: 'cp-1.dc1.example', port: 2201, user: 'ops', identityFiles: ['/keys/inv'], knownHostsFile: '/kh/inv' });
    expect(ep.jump).toMatchObject({ name: 'jump:jump@bastion:22', host: '10.9.9.9', port: 22, user: 'jump' });
  });

  it('the config fills what the inventory left to defaults', () => {
    const node = nodeFor('n1', { host: 'cp-1', port: 22 }, { defaulted: ['user', 'port', 'connectTimeout'] });
    expect(endpointOf(node, { sshConfig: config, ...ctx })).toMatchObject({ port: 2222, user: 'admin', connectTimeoutMs: 7000 });
  });

  it('without a config: the inventory values and ~/.ssh/known_hosts', () => {
    const ep = endpointOf(nodeFor('n2', { host: '10.0.0.2', port: 22 }, { proxyJump: 'a@b1:2201,b2' }), { sshConfig: undefined, ...ctx });
    expect(ep).toMatchObject({ host: '10.0.0.2', port: 22, user: 'root', knownHostsFile: '/home/op/.ssh/known_hosts' });
    // A chain: the last hop is nearest the target and is itself reached through the first.
    expect(ep.jump).toMatchObject({ host: 'b2', port: 22, user: 'root', jump: { host: 'b1', port: 2201, user: 'a' } });
  });

  it('refuses an unreadable ProxyJump with a code', () => {
    expect(() => endpointOf(nodeFor('n3', { host: 'h', port: 22 }, { proxyJump: 'a@:x:y' }), { sshConfig: undefined, ...ctx })).toThrow(expect.objectContaining({ code: 'TRANSPORT_PROXY_JUMP_INVALID' }));
  });
});
