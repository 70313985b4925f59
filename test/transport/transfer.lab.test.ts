// SFTP upload/download against a real sshd (the "node" is this machine, so the test can look
// at the files directly): sha256 end to end, temp name + rename, mode, mismatch handling, and
// hostile file names that must not run anything.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport } from '../../src/transport/index.js';
import { genKey, nodeFor, startSshd, type Sshd } from './helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-xfer-'));
const remote = join(dir, 'remote');
const local = join(dir, 'local');
const key = join(dir, 'id_ed25519');
const known = join(dir, 'known_hosts');
let sshd: Sshd;
let t: SshTransport;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  mkdirSync(remote);
  mkdirSync(local);
  sshd = await startSshd({ dir, authorizedKeys: `${genKey(key)}\n` });
  writeFileSync(known, `${sshd.knownHostsLine}\n`);
  t = createSshTransport({ nodes: [nodeFor('cp-1', sshd, { identityFile: key, knownHostsFile: known })] });
});

afterAll(async () => {
  await t?.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('upload', () => {
  it('streams a multi-MB file, checks sha256 on the node, renames into place with the mode', async () => {
    const data = randomBytes(8 * 1024 * 1024 + 123);
    writeFileSync(join(local, 'snap.db'), data);
    const r = await t.upload('cp-1', join(local, 'snap.db'), join(remote, 'snap.db'), { mode: 0o640, sudo: false });
    expect(r).toMatchObject({ sha256: sha(data), bytes: data.length });
    expect(sha(readFileSync(join(remote, 'snap.db')))).toBe(sha(data));
    expect(statSync(join(remote, 'snap.db')).mode & 0o777).toBe(0o640);
    expect(readdirSync(remote)).toEqual(['snap.db']);
  });

  it('20 parallel uploads to one node share the channel cap with execs (no MaxSessions failure)', async () => {
    const box = mkdtempSync(join(remote, 'par-'));
    writeFileSync(join(local, 'par'), randomBytes(256 * 1024));
    const jobs = Array.from({ length: 20 }, (_, i) => t.upload('cp-1', join(local, 'par'), join(box, `f${i}`), { sudo: false }));
    const execs = Array.from({ length: 10 }, () => t.exec('cp-1', 'true', { timeoutMs: 60_000, sudo: false }));
    await Promise.all([...jobs, ...execs]);
    expect(readdirSync(box).length).toBe(20);
  });

  it('replaces an existing file atomically and handles an empty file', async () => {
    writeFileSync(join(local, 'empty'), '');
    await t.upload('cp-1', join(local, 'empty'), join(remote, 'snap.db'), { sudo: false });
    expect(readFileSync(join(remote, 'snap.db')).length).toBe(0);
  });

  it('fails with TRANSPORT_TRANSFER_FAILED into a missing directory, leaving nothing behind', async () => {
    writeFileSync(join(local, 'x'), 'x');
    await expect(t.upload('cp-1', join(local, 'x'), join(remote, 'nope', 'x'), { sudo: false })).rejects.toMatchObject({ code: 'TRANSPORT_TRANSFER_FAILED' });
  });

  const hostile = ['$(touch PWNED)', '`touch PWNED`', 'a;touch PWNED', "it's", 'say "hi"', 'new\nline', ' lead', '-rf', '*', '$HOME', 'a\\b', '--', '&& touch PWNED', '|touch PWNED', '>PWNED'];
  it.each(hostile)('uploads and downloads a file named %j without running anything', async (name) => {
    const box = mkdtempSync(join(remote, 'box-'));
    writeFileSync(join(local, 'payload'), name);
    await t.upload('cp-1', join(local, 'payload'), join(box, name), { mode: 0o600, sudo: false });
    expect(readdirSync(box)).toEqual([name]);
    expect(readFileSync(join(box, name), 'utf8')).toBe(name);
    const back = join(local, `back-${randomBytes(4).toString('hex')}`);
    await t.download('cp-1', join(box, name), back, { sudo: false });
    expect(readFileSync(back, 'utf8')).toBe(name);
    expect(existsSync(join(box, 'PWNED')) || existsSync('/tmp/PWNED') || existsSync(join(sshdHome(), 'PWNED'))).toBe(false);
  });
});

describe('interrupted uploads', () => {
  const big = join(local, 'interrupted');
  beforeAll(() => writeFileSync(big, randomBytes(64 * 1024 * 1024)));

  it('abort: TRANSPORT_ABORTED, temp file removed, destination untouched', async () => {
    const box = mkdtempSync(join(remote, 'abort-'));
    writeFileSync(join(box, 'dest'), 'before');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(t.upload('cp-1', big, join(box, 'dest'), { sudo: false, signal: ac.signal })).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
    expect(readdirSync(box)).toEqual(['dest']);
    expect(readFileSync(join(box, 'dest'), 'utf8')).toBe('before');
  });

  it('connection killed mid-transfer: TRANSPORT_CONNECTION_LOST, destination untouched', async () => {
    const box = mkdtempSync(join(remote, 'lost-'));
    writeFileSync(join(box, 'dest'), 'before');
    await t.exec('cp-1', 'true', { timeoutMs: 10_000, sudo: false });
    setTimeout(() => sshd.sessionPids().forEach((pid) => process.kill(pid, 'SIGKILL')), 300);
    await expect(t.upload('cp-1', big, join(box, 'dest'), { sudo: false })).rejects.toMatchObject({ code: 'TRANSPORT_CONNECTION_LOST', failure: 'connection-lost' });
    expect(readFileSync(join(box, 'dest'), 'utf8')).toBe('before');
  });

  it('connection killed mid-download: TRANSPORT_CONNECTION_LOST, local file untouched, no temp left', async () => {
    writeFileSync(join(remote, 'big-remote'), readFileSync(big));
    writeFileSync(join(local, 'dl-dest'), 'before');
    await t.exec('cp-1', 'true', { timeoutMs: 10_000, sudo: false });
    setTimeout(() => sshd.sessionPids().forEach((pid) => process.kill(pid, 'SIGKILL')), 300);
    await expect(t.download('cp-1', join(remote, 'big-remote'), join(local, 'dl-dest'), { sudo: false })).rejects.toMatchObject({ failure: 'connection-lost' });
    expect(readFileSync(join(local, 'dl-dest'), 'utf8')).toBe('before');
    expect(readdirSync(local).filter((f) => f.includes('kubedr'))).toEqual([]);
  });
});

describe('download', () => {
  it('streams a multi-MB file and verifies it against the sha256 computed on the node', async () => {
    const data = randomBytes(6 * 1024 * 1024 + 7);
    writeFileSync(join(remote, 'big'), data);
    const r = await t.download('cp-1', join(remote, 'big'), join(local, 'big'), { sudo: false });
    expect(r).toMatchObject({ sha256: sha(data), bytes: data.length });
    expect(readFileSync(join(local, 'big')).equals(data)).toBe(true);
    expect(readdirSync(local).filter((f) => f.includes('kubedr'))).toEqual([]);
  });

  it('fails with TRANSPORT_TRANSFER_FAILED for a missing remote file', async () => {
    await expect(t.download('cp-1', join(remote, 'missing'), join(local, 'missing'), { sudo: false })).rejects.toMatchObject({ code: 'TRANSPORT_TRANSFER_FAILED' });
    expect(existsSync(join(local, 'missing'))).toBe(false);
  });
});

describe('checksum mismatch (the node sees different bytes)', () => {
  // A node whose sha256sum lies stands in for bytes corrupted on the way.
  let liar: Sshd;
  let lt: SshTransport;
  beforeAll(async () => {
    const bin = join(dir, 'fakebin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sha256sum'), `#!/bin/sh\ncat >/dev/null\necho ${'0'.repeat(64)}  -\n`);
    chmodSync(join(bin, 'sha256sum'), 0o755);
    liar = await startSshd({ dir, authorizedKeys: readFileSync(`${key}.pub`, 'utf8'), extraConfig: [`SetEnv PATH=${bin}:/usr/bin:/bin`] });
    writeFileSync(join(dir, 'known_liar'), `${liar.knownHostsLine}\n`);
    lt = createSshTransport({ nodes: [nodeFor('liar', liar, { identityFile: key, knownHostsFile: join(dir, 'known_liar') })] });
  });
  afterAll(async () => {
    await lt?.close();
    await liar?.stop();
  });

  it('upload: TRANSPORT_CHECKSUM_MISMATCH, temp file deleted, destination untouched', async () => {
    const box = mkdtempSync(join(remote, 'liar-'));
    writeFileSync(join(box, 'manifest.yaml'), 'original');
    writeFileSync(join(local, 'new'), 'replacement');
    const err = await lt.upload('liar', join(local, 'new'), join(box, 'manifest.yaml'), { sudo: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_CHECKSUM_MISMATCH', message: expect.stringContaining('0'.repeat(64)) });
    expect(readdirSync(box)).toEqual(['manifest.yaml']);
    expect(readFileSync(join(box, 'manifest.yaml'), 'utf8')).toBe('original');
  });

  it('download: TRANSPORT_CHECKSUM_MISMATCH, local file untouched, no temp left', async () => {
    writeFileSync(join(remote, 'r'), 'remote bytes');
    writeFileSync(join(local, 'keep'), 'local original');
    await expect(lt.download('liar', join(remote, 'r'), join(local, 'keep'), { sudo: false })).rejects.toMatchObject({ code: 'TRANSPORT_CHECKSUM_MISMATCH' });
    expect(readFileSync(join(local, 'keep'), 'utf8')).toBe('local original');
    expect(readdirSync(local).filter((f) => f.includes('kubedr'))).toEqual([]);
  });
});

function sshdHome(): string {
  return '/root';
}
