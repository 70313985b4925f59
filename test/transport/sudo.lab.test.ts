// become (sudo) with a real sudo and non-root logins: no tty, no prompt; a password only when
// configured, sent on stdin, never seen by the command, in output or in errors. Uploads into
// root-only paths stream straight into a root-owned temp file (sudo receiver) and rename;
// downloads go through a private staging dir and a `sudo` copy.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport } from '../../src/transport/index.js';
import { SMALL_UPLOAD } from '../../src/transport/upload.js';
import { genKey, nodeFor, startSshd, type Sshd } from './helpers/sshd.js';
import { createTestUser, sudoAvailable, type TestUser } from './helpers/users.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-sudo-'));
const key = join(dir, 'id_ed25519');
const known = join(dir, 'known_hosts');
const rootOnly = join(dir, 'root-only');
const opts = { timeoutMs: 20_000, sudo: true };
let sshd: Sshd;
let nopw: TestUser;
let pw: TestUser;
const transports: SshTransport[] = [];

function transportFor(user: TestUser, sudoPassword?: string): SshTransport {
  const t = createSshTransport({
    nodes: [nodeFor('cp-1', sshd, { user: user.name, identityFile: key, knownHostsFile: known })],
    ...(sudoPassword !== undefined ? { sudoPassword: () => Promise.resolve(sudoPassword) } : {}),
  });
  transports.push(t);
  return t;
}

const stagingDirs = (): string[] => readdirSync('/tmp').filter((f) => f.startsWith('kubedr.'));

// Skipped only on a developer's machine without sudo; in CI (CI=true) a missing sudo fails.
describe.skipIf(!sudoAvailable() && !process.env['CI'])('sudo', () => {
  beforeAll(async () => {
    chmodSync(dir, 0o755);
    mkdirSync(rootOnly, { mode: 0o700 });
    nopw = createTestUser('nopasswd');
    pw = createTestUser('password');
    sshd = await startSshd({ dir, authorizedKeys: `${genKey(key)}\n` });
    writeFileSync(known, `${sshd.knownHostsLine}\n`);
  });

  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await sshd?.stop();
    nopw?.remove();
    pw?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as root with sudo -n when no password is needed, and as the user without sudo', async () => {
    const t = transportFor(nopw);
    expect((await t.exec('cp-1', 'id -un', opts)).stdout).toBe('root\n');
    expect((await t.exec('cp-1', 'id -un', { ...opts, sudo: false })).stdout).toBe(`${nopw.name}\n`);
    expect((await t.exec('cp-1', 'cat', { ...opts, stdin: 'payload\n' })).stdout).toBe('payload\n');
  });

  it('without a configured password, a sudo that needs one fails as a command (exit 1), never prompts', async () => {
    const r = await transportFor(pw).exec('cp-1', 'id -un', opts);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/password is required/);
  });

  it('with a configured password: runs as root, and the command never sees the password on stdin', async () => {
    const t = transportFor(pw, pw.password);
    const chunks: string[] = [];
    const r = await t.exec('cp-1', 'id -un; cat', { ...opts, stdin: 'only this\n', onStdout: (c) => chunks.push(c) });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'root\nonly this\n' });
    expect(JSON.stringify([r, chunks])).not.toContain(pw.password);
  });

  it('a wrong password is rejected once, with its own code, without leaking it', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const marker = join(dir, 'should-not-exist');
    const err = await transportFor(pw, wrong).exec('cp-1', `touch ${marker}`, { ...opts, stdin: 'secret-stdin-value\n' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_SUDO_PASSWORD_REJECTED' });
    expect(`${String(err)} ${JSON.stringify(err)}`).not.toContain(wrong);
    expect(existsSync(marker)).toBe(false);
  });

  it('secrets stay out of thrown errors (timeout with a password and a secret stdin)', async () => {
    const t = transportFor(pw, pw.password);
    const err = await t.exec('cp-1', 'sleep 30', { ...opts, timeoutMs: 1500, stdin: 'token-abc123-secret' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
    const text = `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack ?? ''}`;
    expect(text).not.toContain(pw.password);
    expect(text).not.toContain('token-abc123-secret');
  });

  it('uploads into a root-only directory through sudo; root owns the file; nothing left in /tmp', async () => {
    const t = transportFor(nopw);
    const data = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(dir, 'up'), data);
    chmodSync(join(dir, 'up'), 0o644);
    const before = stagingDirs();
    const r = await t.upload('cp-1', join(dir, 'up'), join(rootOnly, 'etcd.yaml'), { mode: 0o600, sudo: true });
    expect(r.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(readFileSync(join(rootOnly, 'etcd.yaml')).equals(data)).toBe(true);
    const st = statSync(join(rootOnly, 'etcd.yaml'));
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o600]);
    expect(readdirSync(rootOnly)).toEqual(['etcd.yaml']);
    expect(stagingDirs()).toEqual(before);
  });

  it('without sudo, the same upload fails with TRANSPORT_TRANSFER_FAILED', async () => {
    const t = transportFor(nopw);
    // Its own file (not the one the test before wrote): the test runs alone too (-t).
    writeFileSync(join(dir, 'up-nosudo'), randomBytes(3 * 1024 * 1024));
    await expect(t.upload('cp-1', join(dir, 'up-nosudo'), join(rootOnly, 'other'), { sudo: false })).rejects.toMatchObject({ code: 'TRANSPORT_TRANSFER_FAILED' });
    expect(existsSync(join(rootOnly, 'other'))).toBe(false);
  });

  it('downloads a root-only file via sudo copy to staging, verified, staging removed', async () => {
    const t = transportFor(nopw);
    const data = randomBytes(2 * 1024 * 1024 + 1);
    writeFileSync(join(rootOnly, 'snap'), data, { mode: 0o600 });
    const before = stagingDirs();
    await t.download('cp-1', join(rootOnly, 'snap'), join(dir, 'snap-back'), { sudo: true });
    expect(readFileSync(join(dir, 'snap-back')).equals(data)).toBe(true);
    expect(stagingDirs()).toEqual(before);
  });

  it.each([
    ['a small file', 5],
    ['a file above SMALL_UPLOAD', SMALL_UPLOAD + 3],
  ])('sudo uploads with a password work too (%s): the password line never reaches the file', async (_, size) => {
    const t = transportFor(pw, pw.password);
    const data = randomBytes(size);
    writeFileSync(join(dir, 'pw-up'), data);
    chmodSync(join(dir, 'pw-up'), 0o644);
    await t.upload('cp-1', join(dir, 'pw-up'), join(rootOnly, 'pw-up'), { sudo: true });
    expect(readFileSync(join(rootOnly, 'pw-up')).equals(data)).toBe(true);
    expect(readdirSync(rootOnly).filter((f) => f.includes('.kubedr-'))).toEqual([]);
  });

  it('an aborted sudo upload leaves neither the destination nor a root-owned temp file', async () => {
    const t = transportFor(nopw);
    writeFileSync(join(dir, 'big'), randomBytes(64 * 1024 * 1024));
    chmodSync(join(dir, 'big'), 0o644);
    const ac = new AbortController();
    const seen = (): boolean => readdirSync(rootOnly).some((f) => f.includes('.kubedr-'));
    void (async () => {
      while (!seen() && !ac.signal.aborted) await new Promise((r) => setTimeout(r, 5));
      ac.abort();
    })();
    await expect(t.upload('cp-1', join(dir, 'big'), join(rootOnly, 'aborted'), { sudo: true, signal: ac.signal })).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
    expect(existsSync(join(rootOnly, 'aborted'))).toBe(false);
    expect(seen()).toBe(false);
  });
});
