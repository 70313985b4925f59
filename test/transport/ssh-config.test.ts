import { describe, expect, it } from 'vitest';
import { parseSshConfig, resolveSshHost } from '../../src/transport/ssh-config.js';
import { endpointOf } from '../../src/transport/endpoints.js';
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

Match host cp-1
  User ignored

Host cp-1
  User second-wins-not
  Port=2200

Host bastion
  HostName 10.9.9.9
  ProxyJump none
`;
const config = parseSshConfig(text, '/home/op/.ssh/config');

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

  it('honours negated patterns and ignores Match blocks', () => {
    expect(resolveSshHost(config, 'cp-9', ctx)).toEqual({ identityFiles: ['/home/op/.ssh/global'] });
  });

  it('ProxyJump none means no jump', () => {
    expect(resolveSshHost(config, 'bastion', ctx)).toMatchObject({ hostName: '10.9.9.9' });
    expect(resolveSshHost(config, 'bastion', ctx).proxyJump).toBeUndefined();
  });
});

describe('endpointOf', () => {
  it('uses config aliases; inventory identity/knownHosts/proxyJump win over the config', () => {
    const node = nodeFor('n1', { host: 'cp-1', port: 22 }, { identityFile: '/keys/inv', knownHostsFile: '/kh/inv' });
    const ep = endpointOf(node, { sshConfig: config, ...ctx });
    expect(ep).toMatchObject({ name: 'n1', host: 'cp-1.dc1.example', port: 2222, user: 'admin', identityFiles: ['/keys/inv'], knownHostsFile: '/kh/inv' });
    expect(ep.jump).toMatchObject({ name: 'jump:jump@bastion:22', host: '10.9.9.9', port: 22, user: 'jump' });
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
