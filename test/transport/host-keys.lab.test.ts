// Host keys against a real sshd and ssh-keygen-made files: unknown refused (or recorded with
// acceptNewHostKeys), changed always refused naming both fingerprints, hashed entries work.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransportOptions } from '../../src/transport/index.js';
import { genKey, nodeFor, startSshd, type Sshd } from './helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-hostkeys-'));
let sshd: Sshd;
const key = join(dir, 'id_ed25519');
const opts = { timeoutMs: 10_000, sudo: false };
let n = 0;

/** ssh-keygen's own fingerprint for a public key line, to check ours against. */
function opensshFingerprint(pubLine: string): string {
  const f = join(dir, `fp${n++}.pub`);
  writeFileSync(f, `${pubLine}\n`);
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', f]).toString().split(' ')[1] ?? '';
}

async function tryExec(knownHosts: string, extra: Partial<SshTransportOptions> = {}): Promise<unknown> {
  const t = createSshTransport({ nodes: [nodeFor('cp-1', sshd, { identityFile: key, knownHostsFile: knownHosts })], ...extra });
  try {
    return await t.exec('cp-1', 'echo ok', opts);
  } catch (err) {
    return err;
  } finally {
    await t.close();
  }
}

function knownFile(content: string): string {
  const f = join(dir, `known_hosts_${n++}`);
  writeFileSync(f, content);
  return f;
}

beforeAll(async () => {
  sshd = await startSshd({ dir, authorizedKeys: `${genKey(key)}\n` });
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('host keys', () => {
  it('refuses an unknown host key by default and records nothing', async () => {
    const f = knownFile('');
    expect(await tryExec(f)).toMatchObject({ code: 'TRANSPORT_HOST_KEY_UNKNOWN', failure: 'host-key', message: expect.stringContaining(opensshFingerprint(sshd.hostKeyLine)) });
    expect(readFileSync(f, 'utf8')).toBe('');
  });

  it('records an unknown key with acceptNewHostKeys, in a form OpenSSH itself accepts', async () => {
    const f = join(dir, 'new', 'known_hosts');
    expect(await tryExec(f, { acceptNewHostKeys: true })).toMatchObject({ stdout: 'ok\n' });
    expect(readFileSync(f, 'utf8')).toBe(`${sshd.knownHostsLine}\n`);
    // OpenSSH finds the recorded key for [host]:port.
    expect(execFileSync('ssh-keygen', ['-F', `[${sshd.host}]:${sshd.port}`, '-f', f]).toString()).toContain(sshd.hostKeyLine);
    expect(await tryExec(f)).toMatchObject({ stdout: 'ok\n' });
  });

  it('always refuses a changed key, naming the node and both fingerprints', async () => {
    const other = join(dir, 'other_host_key');
    const otherPub = genKey(other).split(' ').slice(0, 2).join(' ');
    const f = knownFile(`[${sshd.host}]:${sshd.port} ${otherPub}\n`);
    for (const acceptNewHostKeys of [false, true]) {
      const err = (await tryExec(f, { acceptNewHostKeys })) as Error & { code: string };
      expect(err.code).toBe('TRANSPORT_HOST_KEY_CHANGED');
      expect(err.message).toMatch(/^cp-1: /);
      expect(err.message).toContain(opensshFingerprint(otherPub));
      expect(err.message).toContain(opensshFingerprint(sshd.hostKeyLine));
    }
    expect(readFileSync(f, 'utf8')).toBe(`[${sshd.host}]:${sshd.port} ${otherPub}\n`);
  });

  it('matches hashed entries written by ssh-keygen -H', async () => {
    const f = knownFile(`${sshd.knownHostsLine}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
    expect(readFileSync(f, 'utf8')).toMatch(/^\|1\|/);
    expect(await tryExec(f)).toMatchObject({ stdout: 'ok\n' });
  });

  it('matches a host inside a comma list, and ignores entries for the same host on another port', async () => {
    const other = genKey(join(dir, 'k3')).split(' ').slice(0, 2).join(' ');
    const f = knownFile(`${sshd.host} ${other}\nfoo.example,[${sshd.host}]:${sshd.port},bar ${sshd.hostKeyLine}\n`);
    expect(await tryExec(f)).toMatchObject({ stdout: 'ok\n' });
  });

  it('refuses a key marked @revoked, and never trusts a @cert-authority line as a host key', async () => {
    const revoked = knownFile(`@revoked [${sshd.host}]:${sshd.port} ${sshd.hostKeyLine}\n${sshd.knownHostsLine}\n`);
    expect(await tryExec(revoked)).toMatchObject({ code: 'TRANSPORT_HOST_KEY_REVOKED' });
    const ca = knownFile(`@cert-authority [${sshd.host}]:${sshd.port} ${sshd.hostKeyLine}\n`);
    expect(await tryExec(ca)).toMatchObject({ code: 'TRANSPORT_HOST_KEY_UNKNOWN' });
  });

  it('negotiates the known key type when the server has several (ecdsa known, ed25519 preferred by default)', async () => {
    const ecdsa = join(dir, 'host_ecdsa');
    const ecdsaPub = genKey(ecdsa, 'ecdsa').split(' ').slice(0, 2).join(' ');
    const two = await startSshd({ dir, authorizedKeys: `${readFileSync(`${key}.pub`, 'utf8')}`, extraConfig: [`HostKey ${ecdsa}`] });
    try {
      const f = knownFile(`[${two.host}]:${two.port} ${ecdsaPub}\n`);
      const t = createSshTransport({ nodes: [nodeFor('cp-2', two, { identityFile: key, knownHostsFile: f })] });
      expect(await t.exec('cp-2', 'echo ok', opts)).toMatchObject({ stdout: 'ok\n' });
      await t.close();
    } finally {
      await two.stop();
    }
  });
});
