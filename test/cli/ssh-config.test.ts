// Every command that resolves nodes reads ~/.ssh/config by default (HOME points at a throwaway
// home here), --ssh-config FILE chooses another, --no-ssh-config none; plan and validate refuse
// a config that run would refuse (exit 2, naming file:line), and -v shows the effective endpoint.
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
const base = ['-r', 'test/fixtures/runbooks/minimal.yaml', '-i', 'test/fixtures/inventories/three-masters.yaml'];

describe('ssh_config in plan and validate', () => {
  it('reads ~/.ssh/config by default (Include followed); explicit inventory user wins; -v prints it', async () => {
    const r = await cliHere(['plan', ...base, '-v'], { HOME: home });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`ssh_config ${join(home, '.ssh', 'config')}`);
    expect(r.stderr).toMatch(/cp1: root@127\.0\.0\.99:22 via hop@127\.0\.0\.5:2200/);
    expect(r.stderr).toMatch(/cp2: root@127\.0\.0\.12:2222 /);
  });

  it('--no-ssh-config reads none', async () => {
    const r = await cliHere(['validate', ...base, '-v', '--no-ssh-config'], { HOME: home });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('ssh_config none');
    expect(r.stderr).toMatch(/cp1: root@127\.0\.0\.11:22 \(/);
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
