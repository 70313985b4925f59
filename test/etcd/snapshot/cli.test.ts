// The `kubedr snapshot …` commands end to end through the real CLI frame: output on stdout,
// coded errors on stderr, exit code 2 for a bad snapshot, 1 for a missing key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { expectedOf, fixtureBytes, fixturePath } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-snap-cli-'));
let out = '';
let err = '';

beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kubedr snapshot', () => {
  it('inspect --output json prints the report', async () => {
    expect(await main(['snapshot', 'inspect', fixturePath('cluster-a'), '--output', 'json'])).toBe(0);
    const report = JSON.parse(out) as { revision: number; totalKeys: number; integrity: { verdict: string } };
    expect([report.revision, report.totalKeys, report.integrity.verdict]).toEqual([expectedOf('cluster-a').status.revision, expectedOf('cluster-a').status.totalKey, 'ok']);
  });

  it('inspect of a truncated copy exits 2 with a coded error and prints no report', async () => {
    const cut = join(dir, 'cut.db');
    writeFileSync(cut, fixtureBytes('cluster-a').subarray(0, 50_000));
    expect(await main(['snapshot', 'inspect', cut])).toBe(2);
    expect(err).toMatch(/^kubedr: error SNAPSHOT_TRUNCATED: .*cut\.db: .*\n {4}fix: /);
    expect(out).toBe('');
  });

  it('inspect of a damaged copy exits 2 with SNAPSHOT_HASH_MISMATCH', async () => {
    const bad = join(dir, 'bad.db');
    const bytes = fixtureBytes('cluster-a');
    bytes[30_000]! ^= 0x10;
    writeFileSync(bad, bytes);
    expect(await main(['snapshot', 'inspect', bad])).toBe(2);
    expect(err).toContain('error SNAPSHOT_HASH_MISMATCH');
  });

  it('get prints a JSON value as stored and exits 1 for a missing key', async () => {
    expect(await main(['snapshot', 'get', fixturePath('cluster-a'), '/registry/example.com/widgets/shop/w-0'])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ kind: 'Widget', metadata: { name: 'w-0' } });
    expect(await main(['snapshot', 'get', fixturePath('cluster-a'), '/registry/pods/x/y'])).toBe(1);
    expect(err).toContain('SNAPSHOT_KEY_NOT_FOUND');
  });

  it('diff prints per-resource changes; a bad --output value exits 2', async () => {
    expect(await main(['snapshot', 'diff', fixturePath('cluster-a'), fixturePath('cluster-b')])).toBe(0);
    expect(out).toContain('  + /registry/namespaces/extra');
    expect(await main(['snapshot', 'diff', fixturePath('cluster-a'), fixturePath('cluster-b'), '-o', 'yaml'])).toBe(2);
  });
});
