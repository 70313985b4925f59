import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendKnownHost, checkHostKey, fingerprintOf, hostFieldMatches, parseKnownHosts } from '../../src/transport/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyPair(name: string): { line: string; blob: Buffer } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path], { stdio: 'ignore' });
  const line = readFileSync(`${path}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { line, blob: Buffer.from(line.split(' ')[1] ?? '', 'base64') };
}

const a = keyPair('a');
const b = keyPair('b');

describe('parseKnownHosts', () => {
  it('reads plain, marked and commented lines, skipping garbage', () => {
    const entries = parseKnownHosts(`# comment\n\nnode1,10.0.0.1 ${a.line} c\n@revoked * ${b.line}\n@cert-authority *.x ${a.line}\ngarbage\nnode2 ssh-rsa !!!\n@bogus h ${a.line}\n`);
    expect(entries.map((e) => [e.marker, e.hosts, e.line])).toEqual([
      [undefined, 'node1,10.0.0.1', 3],
      ['revoked', '*', 4],
      ['cert-authority', '*.x', 5],
    ]);
  });
});

describe('hostFieldMatches', () => {
  it.each([
    ['node1', 'node1', true],
    ['NODE1', 'node1', true],
    ['a,node1,b', 'node1', true],
    ['[node1]:2222', '[node1]:2222', true],
    ['[node1]:2222', 'node1', false],
    ['node1', '[node1]:2222', false],
    ['*.example.com', 'cp.example.com', true],
    ['cp-?', 'cp-1', true],
    ['*,!cp-2', 'cp-2', false],
    ['10.0.0.*', '10.0.0.7', true],
  ])('%s vs %s → %s', (field, lookup, want) => {
    expect(hostFieldMatches(field, lookup)).toBe(want);
  });

  it('matches hashed names written by ssh-keygen -H (plain and [host]:port)', () => {
    const f = join(dir, 'kh');
    writeFileSync(f, `node1 ${a.line}\n[127.0.0.5]:2222 ${a.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
    const entries = parseKnownHosts(readFileSync(f, 'utf8'));
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(checkHostKey(entries, 'node1', 22, a.blob)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, '127.0.0.5', 2222, a.blob)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, '127.0.0.5', 22, a.blob)).toEqual({ status: 'unknown' });
  });
});

describe('checkHostKey', () => {
  const entries = parseKnownHosts(`[n1]:2222 ${a.line}\n@revoked n3 ${b.line}\nn3 ${b.line}\n@cert-authority n4 ${a.line}\n`);
  it('match, unknown, changed (with the known fingerprint), revoked, and CA lines never match', () => {
    expect(checkHostKey(entries, 'n1', 2222, a.blob)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, 'n2', 22, a.blob)).toEqual({ status: 'unknown' });
    expect(checkHostKey(entries, 'n1', 2222, b.blob)).toEqual({ status: 'changed', knownFingerprints: [fingerprintOf(a.blob)] });
    expect(checkHostKey(entries, 'n3', 22, b.blob)).toEqual({ status: 'revoked' });
    expect(checkHostKey(entries, 'n4', 22, a.blob)).toEqual({ status: 'unknown' });
  });
});

describe('fingerprintOf', () => {
  it('matches ssh-keygen -l', () => {
    const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'a.pub')]).toString();
    expect(out.split(' ')[1]).toBe(fingerprintOf(a.blob));
    expect(fingerprintOf(a.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('appendKnownHost', () => {
  it('creates the file (and directory) and writes an entry ssh-keygen -F finds', async () => {
    const f = join(dir, 'sub', 'known_hosts');
    await appendKnownHost(f, '127.0.0.9', 2200, a.blob);
    writeFileSync(f, `${readFileSync(f, 'utf8')}no-newline-at-end ${b.line}`);
    await appendKnownHost(f, 'n9', 22, b.blob);
    const text = readFileSync(f, 'utf8');
    expect(text).toBe(`[127.0.0.9]:2200 ${a.line}\nno-newline-at-end ${b.line}\nn9 ${b.line}\n`);
    expect(execFileSync('ssh-keygen', ['-F', '[127.0.0.9]:2200', '-f', f]).toString()).toContain(a.line);
  });
});
