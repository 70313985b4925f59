// Every command that resolves nodes reads ~/.ssh/config by default (HOME points at a throwaway
// home here), --ssh-config FILE chooses another, --no-ssh-config none; plan and validate refuse
// a config that run would refuse (exit 2, naming file:line), and -v shows each connection: endpoint,
// user, auth methods, jump hosts, the host key fingerprint known_hosts expects.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliHere } from '../e2e/support.js';

const home = mkdtempSync(join(tmpdir(), 'kubedr-home-'));
mkdirSync(join(home, '.ssh'));
// cp1 is aliased; the inventory writes user root for every node (explicit: it wins over User).
writeFileSync(join(home, '.ssh', 'config'), 'Include extra.conf\n');
writeFileSync(join(home, '.ssh', 'extra.conf'), 'Host 127.0.0.11\n  HostName 127.0.0.99\n  User fromconfig\n  ProxyJump hop@127.0.0.5:2200\n');
const bad = join(home, 'exec.conf');
writeFileSync(bad, 'Host *\n  ServerAliveInterval 5\nMatch exec "true"\n  User x\n');
// known_hosts lists cp2 (port 2222) only: -v names its key by fingerprint.
const hostKey = Buffer.concat([u32(11), Buffer.from('ssh-ed25519'), u32(32), Buffer.alloc(32, 7)]);
const fingerprint = `SHA256:${createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '')}`;
writeFileSync(join(home, '.ssh', 'known_hosts'), `[127.0.0.12]:2222 ssh-ed25519 ${hostKey.toString('base64')}\n`);
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
const base = ['-r', 'test/fixtures/runbooks/minimal.yaml', '-i', 'test/fixtures/inventories/three-masters.yaml'];

describe('ssh_config in plan and validate', () => {
  it('reads ~/.ssh/config by default (Include followed); explicit inventory user wins; -v prints it', async () => {
    const r = await cliHere(['plan', ...base, '-v'], { HOME: home });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`ssh_config ${join(home, '.ssh', 'config')}`);
    expect(r.stderr).toMatch(/cp1: endpoint 127\.0\.0\.99:22 · user root · auth .* · via hop@127\.0\.0\.5:2200 · /);
    expect(r.stderr).toMatch(/\n {4}jump endpoint 127\.0\.0\.5:2200 · user hop · /);
    expect(r.stderr).toMatch(/cp2: endpoint 127\.0\.0\.12:2222 · user root · /);
    // The host key known_hosts expects, by fingerprint; a host it does not list is said to be refused.
    expect(r.stderr).toContain(`cp2: endpoint 127.0.0.12:2222 · user root · auth ${process.env.SSH_AUTH_SOCK ? `ssh-agent (${process.env.SSH_AUTH_SOCK}), then ` : 'publickey: '}key /root/.ssh/id_ed25519 · host key ssh-ed25519 ${fingerprint} (${join(home, '.ssh', 'known_hosts')}:1)`);
    expect(r.stderr).toMatch(/cp3: endpoint 127\.0\.0\.13:22 · .* · host key: none for 127\.0\.0\.13:22 in \S+ \(refused unless --accept-new-host-keys\)/);
  });

  it('--no-ssh-config reads none', async () => {
    const r = await cliHere(['validate', ...base, '-v', '--no-ssh-config'], { HOME: home });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('ssh_config none');
    expect(r.stderr).toMatch(/cp1: endpoint 127\.0\.0\.11:22 · user root · /);
  });

  it('Match exec is refused with file:line, exit 2, by plan and validate alike', async () => {
    for (const cmd of ['plan', 'validate']) {
      const r = await cliHere([cmd, ...base, '--ssh-config', bad], { HOME: home });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('SSH_CONFIG_UNSUPPORTED');
      expect(r.stderr).toContain(`${bad}:3: "Match exec"`);
      expect(r.stderr).toContain('--no-ssh-config');
    }
  });
});
