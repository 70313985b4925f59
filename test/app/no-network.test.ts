import dns from 'node:dns';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { forbidNetwork, type NetworkGuard } from '../helpers/no-network.js';

const F = 'test/fixtures';
const HA = ['-r', `${F}/runbooks/ha-restore.yaml`, '-i', `${F}/inventories/three-masters.yaml`, '--param', 'snapshot=/backups/etcd.db', '--param', 'snapshotSha256=abc'];

let guard: NetworkGuard;
let stdout: string;
let stderr: string;
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  process.exitCode = undefined;
  guard = forbidNetwork();
});
afterEach(() => {
  guard.restore();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('the network guard', () => {
  it('catches sockets and DNS (so the tests below can fail)', () => {
    expect(() => net.connect(22, '127.0.0.1')).toThrow(/forbidden/);
    expect(() => new net.Socket().connect(22, '127.0.0.1')).toThrow(/forbidden/);
    expect(() => dns.lookup('localhost', () => undefined)).toThrow(/forbidden/);
    expect(guard.attempts).toHaveLength(3);
  });
});

describe('kubedr plan / validate open no connection', () => {
  it('plans the HA restore (text) without any socket or lookup', async () => {
    expect(await main(['plan', ...HA])).toBe(0);
    expect(guard.attempts).toEqual([]);
    expect(stdout).toContain('STEP 2.2  restore-member');
    expect(stdout).toMatch(/plan hash [0-9a-f]{64}/);
  });

  it('prints the Plan object as JSON', async () => {
    expect(await main(['plan', ...HA, '--output', 'json'])).toBe(0);
    const plan = JSON.parse(stdout) as { version: number; hash: string; phases: unknown[] };
    expect(plan.version).toBe(1);
    expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.phases).toHaveLength(4);
    expect(guard.attempts).toEqual([]);
  });

  it('validate exits 0 on a valid pair, 2 with every problem on a bad one', async () => {
    expect(await main(['validate', ...HA])).toBe(0);
    expect(stdout).toContain('is valid');
    process.exitCode = undefined;
    expect(await main(['validate', '-r', `${F}/invalid/runbooks/unknown-param.yaml`, '-i', `${F}/inventories/three-masters.yaml`])).toBe(2);
    expect(stderr).toMatch(/unknown-param\.yaml:12:32: error RUNBOOK_UNKNOWN_PARAM/);
    expect(stderr).toContain('fix: declare it under "params:" (did you mean "token"?)');
    expect(guard.attempts).toEqual([]);
  });

  it('plan refuses bad input with exit 2 and runs nothing', async () => {
    expect(await main(['plan', '-r', `${F}/runbooks/ha-restore.yaml`, '-i', `${F}/inventories/three-masters.yaml`])).toBe(2);
    expect(stderr).toContain('PARAM_MISSING');
    expect(stderr).toContain('nothing was executed');
    expect(stdout).toBe('');
  });

  it('warns (only) about upload sources missing on the operator machine', async () => {
    expect(await main(['validate', ...HA])).toBe(0);
    expect(stderr).toMatch(/ha-restore\.yaml:43:24: warning RUNBOOK_UPLOAD_SOURCE_MISSING: step "upload-snapshot" uploads \/backups\/etcd\.db/);
    stderr = '';
    expect(await main(['validate', ...HA.map((a) => (a === 'snapshot=/backups/etcd.db' ? 'snapshot=package.json' : a))])).toBe(0);
    expect(stderr).toBe('');
  });

  it('rejects an unknown output format', async () => {
    expect(await main(['plan', ...HA, '--output', 'yaml'])).toBe(2);
    expect(stderr).toContain('Allowed choices are text, json');
  });

  it('warnings alone keep exit 0', async () => {
    expect(await main(['validate', '-r', `${F}/runbooks/minimal.yaml`, '-i', `${F}/invalid/inventories/even-members.yaml`])).toBe(0);
    expect(stderr).toContain('warning INVENTORY_EVEN_ETCD_MEMBERS');
  });

  it('a missing file is a clear input error', async () => {
    expect(await main(['plan', '-r', 'nope.yaml', '-i', `${F}/inventories/three-masters.yaml`])).toBe(2);
    expect(stderr).toContain('RUNBOOK_UNREADABLE');
  });
});
