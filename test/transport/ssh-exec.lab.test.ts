// exec over a real sshd: results, the channel cap, one connection per node, and the three
// non-command outcomes (timeout, connection lost, unreachable) told apart by code.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport } from '../../src/transport/index.js';
import { descendantsOf, genKey, nodeFor, startSshd, type Sshd } from './helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-exec-'));
let sshd: Sshd;
let t: SshTransport;
const key = join(dir, 'id_ed25519');
const known = join(dir, 'known_hosts');
const opts = { timeoutMs: 10_000, sudo: false };

function transport(extra: Partial<Parameters<typeof createSshTransport>[0]> = {}): SshTransport {
  return createSshTransport({ nodes: [nodeFor('cp-1', sshd, { identityFile: key, knownHostsFile: known })], ...extra });
}

beforeAll(async () => {
  const pub = genKey(key);
  sshd = await startSshd({ dir, authorizedKeys: `${pub}\n` });
  writeFileSync(known, `${sshd.knownHostsLine}\n`);
  t = transport();
});

afterAll(async () => {
  await t?.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const accepted = (): number => sshd.log().split('\n').filter((l) => l.includes('Accepted publickey')).length;

describe('ssh exec', () => {
  it('returns stdout, stderr and a non-zero exit code as a result, not an error', async () => {
    const r = await t.exec('cp-1', 'echo out; echo err >&2; exit 7', opts);
    expect(r).toMatchObject({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
    expect(r.signal).toBeUndefined();
  });

  it('passes stdin and streams output', async () => {
    const chunks: string[] = [];
    const r = await t.exec('cp-1', 'tr a-z A-Z', { ...opts, stdin: 'hello\n', onStdout: (c) => chunks.push(c) });
    expect(r.stdout).toBe('HELLO\n');
    expect(chunks.join('')).toBe('HELLO\n');
  });

  it('reports a command killed by a signal', async () => {
    const r = await t.exec('cp-1', 'kill -s KILL $$', opts);
    expect(r.exitCode).toBe(137);
  });

  it('runs 30 parallel execs on one connection against a stock MaxSessions=10 sshd', async () => {
    const before = accepted();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => t.exec('cp-1', `sleep 0.3; echo ${i}`, opts)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(accepted() - before).toBe(0); // reused the connection made by earlier tests
  });

  it('an uncapped pool fails beyond MaxSessions (the cap is what makes the test above pass)', async () => {
    const raw = transport({ maxChannelsPerConnection: 30 });
    try {
      const settled = await Promise.allSettled(Array.from({ length: 30 }, () => raw.exec('cp-1', 'sleep 0.5', opts)));
      expect(settled.filter((s) => s.status === 'rejected').length).toBeGreaterThan(0);
    } finally {
      await raw.close();
    }
  });

  it('kills the remote process tree on timeout and says TRANSPORT_TIMEOUT', async () => {
    const marker = `kubedr-timeout-${process.pid}-${Date.now()}`;
    const err = await t.exec('cp-1', `sh -c 'sleep 300; : ${marker}' & sleep 301`, { ...opts, timeoutMs: 800 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_TIMEOUT', failure: 'timeout' });
    await new Promise((r) => setTimeout(r, 1500));
    const ps = await t.exec('cp-1', `ps -eo args | grep -c '[k]ubedr-timeout-${process.pid}' || true`, opts);
    expect(ps.stdout.trim()).toBe('0');
  });

  it('aborts on signal with TRANSPORT_ABORTED', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(t.exec('cp-1', 'sleep 30', { ...opts, signal: ac.signal })).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
  });

  it('reports a killed connection as connection-lost, then reconnects on the next call', async () => {
    const running = t.exec('cp-1', 'sleep 30', opts).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 500));
    const sessions = sshd.sessionPids();
    expect(sessions.length).toBeGreaterThan(0);
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    expect(await running).toMatchObject({ code: 'TRANSPORT_CONNECTION_LOST', failure: 'connection-lost' });
    const before = accepted();
    const r = await t.exec('cp-1', 'echo again', opts);
    expect(r.stdout).toBe('again\n');
    expect(accepted() - before).toBe(1);
  });
});

describe('connection lifetime', () => {
  it('a lost connection also kills the remote command (no orphan keeps running)', async () => {
    const flag = join(dir, `late-${Date.now()}`);
    const running = t.exec('cp-1', `sleep 2; touch ${flag}`, opts).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 600));
    for (const pid of sshd.sessionPids()) process.kill(pid, 'SIGKILL');
    expect(await running).toMatchObject({ code: 'TRANSPORT_CONNECTION_LOST' });
    await new Promise((r) => setTimeout(r, 2500));
    expect(existsSync(flag)).toBe(false);
  });

  it('keepalive detects a frozen server mid-command (connection-lost, not a hang)', async () => {
    const k = transport({ keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    const frozen: number[] = [];
    try {
      await k.exec('cp-1', 'true', opts);
      const running = k.exec('cp-1', 'sleep 20', { ...opts, timeoutMs: 30_000 }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 400));
      const before = new Set(descendantsOf(sshd.pid));
      for (const pid of before) {
        try {
          process.kill(pid, 'SIGSTOP');
          frozen.push(pid);
        } catch {
          // exited meanwhile
        }
      }
      const t0 = Date.now();
      expect(await running).toMatchObject({ code: 'TRANSPORT_CONNECTION_LOST' });
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      for (const pid of frozen) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // gone
        }
      }
      await k.close();
    }
  });

  it('closes an idle connection and reconnects on the next call', async () => {
    const idle = transport({ idleTimeoutMs: 300 });
    try {
      const before = accepted();
      await idle.exec('cp-1', 'true', opts);
      await new Promise((r) => setTimeout(r, 1200));
      await idle.exec('cp-1', 'true', opts);
      expect(accepted() - before).toBe(2);
    } finally {
      await idle.close();
    }
  });

  it('a call waiting for a free channel can be aborted', async () => {
    const one = transport({ maxChannelsPerConnection: 1 });
    try {
      const long = one.exec('cp-1', 'sleep 2', opts);
      const ac = new AbortController();
      const waiting = one.exec('cp-1', 'true', { ...opts, signal: ac.signal });
      setTimeout(() => ac.abort(), 300);
      await expect(waiting).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
      expect((await long).exitCode).toBe(0);
    } finally {
      await one.close();
    }
  });
});

describe('ssh connect failures', () => {
  it('says TRANSPORT_UNREACHABLE when nothing listens', async () => {
    const u = createSshTransport({ nodes: [nodeFor('gone', { host: sshd.host, port: 1 }, { identityFile: key, knownHostsFile: known })] });
    await expect(u.exec('gone', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE', failure: 'unreachable' });
    await u.close();
  });

  it('says TRANSPORT_AUTH_FAILED (an unreachable outcome) for a key the node does not accept', async () => {
    const other = join(dir, 'other');
    genKey(other);
    const u = createSshTransport({ nodes: [nodeFor('cp-1', sshd, { identityFile: other, knownHostsFile: known })] });
    await expect(u.exec('cp-1', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_AUTH_FAILED', failure: 'unreachable' });
    await u.close();
  });

  it('times out a connect to a host that never answers', async () => {
    // A listening socket that never speaks SSH: the handshake never completes.
    const { createServer } = await import('node:net');
    const srv = createServer(() => undefined);
    await new Promise<void>((r) => srv.listen(0, sshd.host, () => r()));
    const port = (srv.address() as { port: number }).port;
    const u = createSshTransport({ nodes: [nodeFor('mute', { host: sshd.host, port }, { identityFile: key, knownHostsFile: known, connectTimeoutMs: 500 })] });
    const t0 = Date.now();
    await expect(u.exec('mute', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE', message: expect.stringMatching(/timed out/) });
    expect(Date.now() - t0).toBeLessThan(5000);
    await u.close();
    srv.close();
  });

  it('refuses an unknown node name', async () => {
    await expect(t.exec('nope', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_UNKNOWN_NODE' });
  });
});
