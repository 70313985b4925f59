// -v's per-connection detail, from an Endpoint and a known_hosts text: every hop, the auth order
// the transport uses, and the host key fingerprint known_hosts expects (plain, [host]:port, hashed).
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeConnection } from '../../src/app/endpoint-detail.js';
import type { Endpoint } from '../../src/transport/index.js';

const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const key = (fill: number): Buffer => Buffer.concat([u32(11), Buffer.from('ssh-ed25519'), u32(32), Buffer.alloc(32, fill)]);
const fp = (k: Buffer): string => `SHA256:${createHash('sha256').update(k).digest('base64').replace(/=+$/, '')}`;
const hashed = (name: string): string => {
  const salt = Buffer.alloc(20, 3);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

const jump: Endpoint = { name: 'jump:ops@bastion', host: '10.0.0.5', port: 2200, user: 'ops', identityFiles: [], knownHostsFile: '/kh', connectTimeoutMs: 10_000 };
const direct: Endpoint = { name: 'cp1', host: '10.0.0.11', port: 22, user: 'root', identityFiles: ['/keys/id'], knownHostsFile: '/kh', connectTimeoutMs: 10_000 };
const ep: Endpoint = { ...direct, jump };

describe('describeConnection', () => {
  it('one line per hop: endpoint, user, auth order, jump, host key by fingerprint', () => {
    const text = `# comment\n${hashed('10.0.0.11')} ssh-ed25519 ${key(1).toString('base64')}\n[10.0.0.5]:2200 ssh-ed25519 ${key(2).toString('base64')}\n10.0.0.99 ssh-ed25519 ${key(9).toString('base64')}\n`;
    expect(describeConnection(ep, { agent: '/run/agent.sock', readText: () => text })).toEqual([
      `cp1: endpoint 10.0.0.11:22 · user root · auth ssh-agent (/run/agent.sock), then key /keys/id · via ops@10.0.0.5:2200 · host key ssh-ed25519 ${fp(key(1))} (/kh:2)`,
      `  jump endpoint 10.0.0.5:2200 · user ops · auth ssh-agent (/run/agent.sock), then the default keys (~/.ssh/id_ed25519, id_ecdsa, id_rsa) · host key ssh-ed25519 ${fp(key(2))} (/kh:3)`,
    ]);
  });

  it('says when known_hosts has no key for the host, or does not exist: the connection is refused', () => {
    const none = describeConnection(direct, { readText: () => `10.0.0.99 ssh-ed25519 ${key(9).toString('base64')}\n` });
    expect(none).toEqual(['cp1: endpoint 10.0.0.11:22 · user root · auth publickey: key /keys/id · host key: none for 10.0.0.11:22 in /kh (refused unless --accept-new-host-keys)']);
    expect(describeConnection(direct, { readText: () => undefined })[0]).toContain('host key: /kh does not exist (refused unless --accept-new-host-keys)');
  });
});
