// Upload (streamed over exec) and download (SFTP) against a real sshd (the "node" is this
// machine, so the test can look at the files directly): sha256 end to end, temp name + rename,
// mode, mismatch handling, interrupted transfers, and hostile file names that must not run anything.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport } from '../../src/transport/index.js';
import { SMALL_UPLOAD } from '../../src/transport/upload.js';
import { until } from '../helpers/until.js';
import { genKey, nodeFor, startSshd, type Sshd } from './helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-xfer-'));
const remote = join(dir, 'remote');
const local = join(dir, 'local');
const key = join(dir, 'id_ed25519');
const known = join(dir, 'known_hosts');
let sshd: Sshd;
let t: SshTransport;
// No per-exec deadline: a loaded machine may be slow; the test's own timeout bounds a hang.
const exec = { timeoutMs: 3_600_000, sudo: false };
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
    const progress: [number, number | undefined][] = [];
    const r = await t.upload('cp-1', join(local, 'snap.db'), join(remote, 'snap.db'), { mode: 0o640, sudo: false, onProgress: (n, total) => progress.push([n, total]) });
    expect(r).toMatchObject({ sha256: sha(data), bytes: data.length });
    // Progress per chunk sent (1 MiB reads), rising to the whole file, with its size.
    expect(progress.length).toBeGreaterThanOrEqual(8);
    expect(progress.map(([n]) => n)).toEqual(progress.map(([n]) => n).sort((x, y) => x - y));
    expect(progress.at(-1)).toEqual([data.length, data.length]);
    expect(sha(readFileSync(join(remote, 'snap.db')))).toBe(sha(data));
    expect(statSync(join(remote, 'snap.db')).mode & 0o777).toBe(0o640);
    expect(readdirSync(remote)).toEqual(['snap.db']);
  });

  it('a file above SMALL_UPLOAD (hashed while it streams, checked by a second command) to several places at once', async () => {
    const data = randomBytes(SMALL_UPLOAD + 1024 * 1024 + 5);
    writeFileSync(join(local, 'big.db'), data);
    const box = mkdtempSync(join(remote, 'big-'));
    const rs = await Promise.all(['a', 'b'].map((n) => t.upload('cp-1', join(local, 'big.db'), join(box, n), { mode: 0o600, sudo: false })));
    expect(rs.map((r) => [r.sha256, r.bytes])).toEqual([[sha(data), data.length], [sha(data), data.length]]);
    expect(readdirSync(box).sort()).toEqual(['a', 'b']);
    expect(sha(readFileSync(join(box, 'a')))).toBe(sha(data));
    expect(statSync(join(box, 'b')).mode & 0o777).toBe(0o600);
  });

  it('20 parallel uploads to one node share the channel cap with execs (no MaxSessions failure)', async () => {
    const box = mkdtempSync(join(remote, 'par-'));
    writeFileSync(join(local, 'par'), randomBytes(256 * 1024));
    const jobs = Array.from({ length: 20 }, (_, i) => t.upload('cp-1', join(local, 'par'), join(box, `f${i}`), { sudo: false }));
    const execs = Array.from({ length: 10 }, () => t.exec('cp-1', 'true', exec));
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

  it('abort once bytes reach the node: TRANSPORT_ABORTED, temp file removed, destination untouched', async () => {
    const box = mkdtempSync(join(remote, 'abort-'));
    writeFileSync(join(box, 'dest'), 'before');
    const ac = new AbortController();
    void whenTempAppears(box).then(() => ac.abort());
    await expect(t.upload('cp-1', big, join(box, 'dest'), { sudo: false, signal: ac.signal })).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
    expect(ac.signal.aborted).toBe(true);
    expect(readdirSync(box)).toEqual(['dest']);
    expect(readFileSync(join(box, 'dest'), 'utf8')).toBe('before');
  });

  it('connection killed mid-transfer: TRANSPORT_CONNECTION_LOST, destination untouched, the node removes the partial temp file', async () => {
    const box = mkdtempSync(join(remote, 'lost-'));
    writeFileSync(join(box, 'dest'), 'before');
    await t.exec('cp-1', 'true', exec);
    void whenTempAppears(box).then(() => sshd.sessionPids().forEach((pid) => process.kill(pid, 'SIGKILL')));
    await expect(t.upload('cp-1', big, join(box, 'dest'), { sudo: false })).rejects.toMatchObject({ code: 'TRANSPORT_CONNECTION_LOST', failure: 'connection-lost' });
    expect(readFileSync(join(box, 'dest'), 'utf8')).toBe('before');
    // Nobody is left to clean up from our side: the receiver saw EOF and a short file.
    await until('the node to remove its temp file', () => readdirSync(box).length === 1);
    expect(readdirSync(box)).toEqual(['dest']);
  });

  it('connection killed mid-download: TRANSPORT_CONNECTION_LOST, local file untouched, no temp left', async () => {
    writeFileSync(join(remote, 'big-remote'), readFileSync(big));
    writeFileSync(join(local, 'dl-dest'), 'before');
    await t.exec('cp-1', 'true', exec);
    // Kill once bytes are arriving in the local temp file (it is created empty before the read).
    const arriving = (): boolean => readdirSync(local).some((f) => f.startsWith('.dl-dest.kubedr-') && (statSync(join(local, f), { throwIfNoEntry: false })?.size ?? 0) > 0);
    void until('download bytes arriving', arriving, 1).then(() => sshd.sessionPids().forEach((pid) => process.kill(pid, 'SIGKILL')));
    await expect(t.download('cp-1', join(remote, 'big-remote'), join(local, 'dl-dest'), { sudo: false })).rejects.toMatchObject({ failure: 'connection-lost' });
    expect(readFileSync(join(local, 'dl-dest'), 'utf8')).toBe('before');
    expect(readdirSync(local).filter((f) => f.includes('kubedr'))).toEqual([]);
  });
});

describe('download', () => {
  it('streams a multi-MB file and verifies it against the sha256 computed on the node', async () => {
    const data = randomBytes(6 * 1024 * 1024 + 7);
    writeFileSync(join(remote, 'big'), data);
    let last: [number, number | undefined] | undefined;
    const r = await t.download('cp-1', join(remote, 'big'), join(local, 'big'), { sudo: false, onProgress: (n, total) => (last = [n, total]) });
    expect(r).toMatchObject({ sha256: sha(data), bytes: data.length });
    expect(last).toEqual([data.length, data.length]);
    expect(readFileSync(join(local, 'big')).equals(data)).toBe(true);
    expect(readdirSync(local).filter((f) => f.includes('kubedr'))).toEqual([]);
  });

  it('fails with TRANSPORT_TRANSFER_FAILED for a missing remote file', async () => {
    await expect(t.download('cp-1', join(remote, 'missing'), join(local, 'missing'), { sudo: false })).rejects.toMatchObject({ code: 'TRANSPORT_TRANSFER_FAILED' });
    expect(existsSync(join(local, 'missing'))).toBe(false);
  });
});

describe('checksum mismatch (the node sees different bytes)', () => {
  // Nodes with doctored tools on PATH: hashers that lie, a `cat` that flips a byte on the way in.
  const liars: Sshd[] = [];
  const ts: SshTransport[] = [];
  async function nodeWith(name: string, tools: Record<string, string>): Promise<SshTransport> {
    const bin = join(dir, `bin-${name}`);
    mkdirSync(bin);
    for (const [tool, body] of Object.entries(tools)) {
      writeFileSync(join(bin, tool), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, tool), 0o755);
    }
    const node = await startSshd({ dir, authorizedKeys: readFileSync(`${key}.pub`, 'utf8'), extraConfig: [`SetEnv PATH=${bin}:/usr/bin:/bin`] });
    liars.push(node);
    writeFileSync(join(dir, `known_${name}`), `${node.knownHostsLine}\n`);
    const lt = createSshTransport({ nodes: [nodeFor(name, node, { identityFile: key, knownHostsFile: join(dir, `known_${name}`) })] });
    ts.push(lt);
    return lt;
  }
  const zeros = '0'.repeat(64);
  let liar: SshTransport;
  let noOpenssl: SshTransport;
  let flipper: SshTransport;
  beforeAll(async () => {
    liar = await nodeWith('liar', { openssl: `cat >/dev/null\necho "${zeros} *stdin"`, sha256sum: `cat >/dev/null\necho "${zeros}  -"` });
    // An openssl that fails: the node falls back to sha256sum (here a lying one, to prove it is used).
    noOpenssl = await nodeWith('no-openssl', { openssl: 'exit 127', sha256sum: `cat >/dev/null\necho "${zeros}  -"` });
    // Byte 6 of stdin replaced by 'Z' on its way to the receiver's file.
    flipper = await nodeWith('flipper', { cat: '[ $# -gt 0 ] && exec /bin/cat "$@"\ndd bs=1 count=5 2>/dev/null; printf Z; dd bs=1 count=1 of=/dev/null 2>/dev/null; exec /bin/cat' });
  });
  afterAll(async () => {
    await Promise.all(ts.map((x) => x.close()));
    await Promise.all(liars.map((x) => x.stop()));
  });

  it.each([
    ['liar', () => liar],
    ['no-openssl', () => noOpenssl],
  ])('upload to %s: TRANSPORT_CHECKSUM_MISMATCH naming the node digest, temp file deleted, destination untouched', async (name, lt) => {
    const box = mkdtempSync(join(remote, `${name}-`));
    writeFileSync(join(box, 'manifest.yaml'), 'original');
    writeFileSync(join(local, 'new'), 'replacement');
    const err = await lt().upload(name, join(local, 'new'), join(box, 'manifest.yaml'), { sudo: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_CHECKSUM_MISMATCH', message: expect.stringContaining(zeros) });
    expect(readdirSync(box)).toEqual(['manifest.yaml']);
    expect(readFileSync(join(box, 'manifest.yaml'), 'utf8')).toBe('original');
  });

  it.each([
    ['a small file', 2 * 1024 * 1024],
    ['a file above SMALL_UPLOAD', SMALL_UPLOAD + 1],
  ])('a byte flipped on its way into the node (%s): TRANSPORT_CHECKSUM_MISMATCH, destination untouched, no temp left', async (_, size) => {
    const box = mkdtempSync(join(remote, 'flip-'));
    writeFileSync(join(box, 'snap.db'), 'original');
    const data = randomBytes(size);
    data[5] = 0x61;
    writeFileSync(join(local, 'flip'), data);
    const err = await flipper.upload('flipper', join(local, 'flip'), join(box, 'snap.db'), { sudo: false }).catch((e: unknown) => e);
    const flipped = Buffer.from(data);
    flipped[5] = 0x5a;
    expect(err).toMatchObject({ code: 'TRANSPORT_CHECKSUM_MISMATCH', message: expect.stringContaining(`node side ${sha(flipped)}`) });
    expect(readdirSync(box)).toEqual(['snap.db']);
    expect(readFileSync(join(box, 'snap.db'), 'utf8')).toBe('original');
  });

  it('download: TRANSPORT_CHECKSUM_MISMATCH, local file untouched, no temp left', async () => {
    writeFileSync(join(remote, 'r'), 'remote bytes');
    writeFileSync(join(local, 'keep'), 'local original');
    await expect(liar.download('liar', join(remote, 'r'), join(local, 'keep'), { sudo: false })).rejects.toMatchObject({ code: 'TRANSPORT_CHECKSUM_MISMATCH' });
    expect(readFileSync(join(local, 'keep'), 'utf8')).toBe('local original');
    expect(readdirSync(local).filter((f) => f.includes('kubedr'))).toEqual([]);
  });
});

/** Resolves once a `.…kubedr-….tmp` file exists in `box` (bytes are arriving on the node). */
async function whenTempAppears(box: string): Promise<void> {
  await until('a temp file on the node', () => readdirSync(box).some((f) => f.includes('.kubedr-')), 1);
}

function sshdHome(): string {
  return '/root';
}
