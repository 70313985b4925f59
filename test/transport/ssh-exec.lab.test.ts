// exec over a real sshd: results, the channel cap, one connection per node, and the three
// non-command outcomes (timeout, connection lost, unreachable) told apart by code.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport } from '../../src/transport/index.js';
import { processesWith } from '../helpers/procs.js';
import { until, untilExists } from '../helpers/until.js';
import { descendantsOf, genKey, nodeFor, SHELL_STARTUP_FILES, startSshd, type Sshd } from './helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-exec-'));
let sshd: Sshd;
let t: SshTransport;
const key = join(dir, 'id_ed25519');
const known = join(dir, 'known_hosts');
// No per-exec deadline: a loaded machine may be slow; the test's own timeout bounds a hang.
const opts = { timeoutMs: 3_600_000, sudo: false };
let seq = 0;
/** A fresh path under the test dir (the "node" is this machine, so both sides see it). */
const fresh = (what: string): string => join(dir, `${what}-${++seq}`);
const running = processesWith;

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

  it('collects large stdout and stderr completely, also with many channels at once', async () => {
    const cmd = `head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 200000 /dev/zero | tr '\\0' o; echo done >&2`;
    const results = await Promise.all(Array.from({ length: 12 }, () => t.exec('cp-1', cmd, opts)));
    for (const r of results) expect([r.exitCode, r.stdout.length, r.stderr.length, r.stderr.endsWith('eedone\n')]).toEqual([0, 200_000, 300_005, true]);
  });

  it("runs with the machine's home but without its shell start-up files (a slow ~/.bashrc must not slow every session)", async () => {
    const present = SHELL_STARTUP_FILES.filter((f) => existsSync(join(homedir(), f)));
    const script = `echo "$HOME"; for f in ${SHELL_STARTUP_FILES.join(' ')}; do [ -e ~/$f ] && echo "$f $(wc -c < ~/$f)"; done; true`;
    const r = await t.exec('cp-1', script, opts);
    expect(r.stdout.trim().split('\n')).toEqual([homedir(), ...present.map((f) => `${f} 0`)]);
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

  it('a pool capped at MaxSessions itself (10) runs 24 short execs: an open racing a close is retried', async () => {
    // OpenSSH frees a session only after reading our reply to its close; an open sent right
    // after that reply may still find the table full. Such a refusal is retried, never a failure.
    const ten = transport({ maxChannelsPerConnection: 10, sessionAgents: false });
    try {
      const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => ten.exec('cp-1', `echo ${i}`, opts)));
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.stdout.trim() : String(r.reason)))).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
    } finally {
      await ten.close();
    }
  });

  it('kills the remote process tree on timeout and says TRANSPORT_TIMEOUT', async () => {
    const marker = `kubedr-timeout-${process.pid}-${Date.now()}`;
    const err = await t.exec('cp-1', `sh -c 'sleep 300; : ${marker}' & sleep 301`, { ...opts, timeoutMs: 800 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_TIMEOUT', failure: 'timeout' });
    // Without the kill these sleeps would live 300 s: wait until they are gone.
    await until('the timed-out tree to be killed', () => running(marker) === 0);
  });

  it('aborts on signal with TRANSPORT_ABORTED', async () => {
    const ac = new AbortController();
    const started = fresh('started');
    void untilExists(started).then(() => ac.abort());
    await expect(t.exec('cp-1', `touch ${started}; sleep 300`, { ...opts, signal: ac.signal })).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
  });

  it('reports a killed connection as connection-lost, then reconnects on the next call', async () => {
    const started = fresh('started');
    const running = t.exec('cp-1', `touch ${started}; sleep 300`, opts).catch((e: unknown) => e);
    await untilExists(started);
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

describe('a server that refuses sessions (MaxSessions below our cap)', () => {
  // A second sshd with MaxSessions 3 and debug logging, which names each refused session.
  let small: Sshd;
  const smallDir = join(dir, 'small');
  const on = (extra: Partial<Parameters<typeof createSshTransport>[0]> = {}): SshTransport =>
    createSshTransport({ nodes: [nodeFor('cp-1', small, { identityFile: key, knownHostsFile: known })], ...extra });
  const refusals = (): number => small.log().split('\n').filter((l) => l.includes('session open failed')).length;
  /** Fills the server's 3 sessions with execs that run until `release()`; resolves once all run. */
  const holdAll = async (x: SshTransport): Promise<{ release: () => Promise<void> }> => {
    const gate = fresh('gate');
    const started = Array.from({ length: 3 }, () => fresh('started'));
    const holders = Promise.all(started.map((s) => x.exec('cp-1', `touch ${s}; while [ ! -e ${gate} ]; do sleep 0.05; done`, opts)));
    await untilExists(...started);
    return { release: async () => (writeFileSync(gate, ''), void (await holders)) };
  };

  beforeAll(async () => {
    small = await startSshd({ dir: smallDir, authorizedKeys: `${readFileSync(`${key}.pub`, 'utf8')}`, extraConfig: ['MaxSessions 3', 'LogLevel DEBUG1'] });
    writeFileSync(known, `${sshd.knownHostsLine}\n${small.knownHostsLine}\n`);
  });
  afterAll(async () => {
    await small?.stop();
  });

  it('runs every exec: a refusal lowers the cap and the refused call waits for a channel to close', async () => {
    const x = on({ maxChannelsPerConnection: 30 });
    try {
      // Every exec holds its channel until the server has refused one and 3 run at once.
      const gate = fresh('gate');
      const started = Array.from({ length: 12 }, () => fresh('started'));
      const all = Promise.allSettled(started.map((s, i) => x.exec('cp-1', `touch ${s}; while [ ! -e ${gate} ]; do sleep 0.05; done; echo ${i}`, opts)));
      await until('a refused session and 3 running', () => refusals() > 0 && started.filter((s) => existsSync(s)).length === 3);
      writeFileSync(gate, '');
      const settled = await all;
      expect(settled.map((r) => (r.status === 'fulfilled' ? r.value.stdout.trim() : String(r.reason)))).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    } finally {
      await x.close();
    }
  });

  it('uploads and downloads too (an SFTP session is a session)', async () => {
    const x = on();
    try {
      const src = fresh('src');
      writeFileSync(src, 'payload\n');
      const held = await holdAll(x);
      const copies = Promise.allSettled(Array.from({ length: 4 }, () => fresh('dst')).map(async (dst) => (await x.download('cp-1', src, dst, { sudo: false }), readFileSync(dst, 'utf8'))));
      await until('a refused session', () => refusals() > 0);
      await held.release();
      expect((await copies).map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual(Array.from({ length: 4 }, () => 'payload\n'));
    } finally {
      await x.close();
    }
  });

  it('a call refused and waiting for a channel can be aborted; the connection serves on', async () => {
    const x = on();
    try {
      const held = await holdAll(x);
      const before = refusals();
      const ac = new AbortController();
      const flag = fresh('ran');
      const waiting = x.exec('cp-1', `touch ${flag}`, { ...opts, signal: ac.signal }).catch((e: unknown) => e);
      await until('the call to be refused', () => refusals() > before);
      ac.abort();
      expect(await waiting).toMatchObject({ code: 'TRANSPORT_ABORTED' });
      await held.release();
      expect(existsSync(flag)).toBe(false);
      const after = await Promise.all(Array.from({ length: 4 }, (_, i) => x.exec('cp-1', `echo ${i}`, opts)));
      expect(after.map((r) => r.stdout.trim())).toEqual(['0', '1', '2', '3']);
    } finally {
      await x.close();
    }
  });
});

describe('a server that refuses every session', () => {
  it('gives up after its backoff with TRANSPORT_UNREACHABLE naming MaxSessions; nothing ran', async () => {
    const none = await startSshd({ dir: join(dir, 'none'), authorizedKeys: `${readFileSync(`${key}.pub`, 'utf8')}`, extraConfig: ['MaxSessions 0'] });
    writeFileSync(known, `${sshd.knownHostsLine}\n${none.knownHostsLine}\n`);
    const x = createSshTransport({ nodes: [nodeFor('cp-1', none, { identityFile: key, knownHostsFile: known })] });
    try {
      const flag = fresh('ran');
      await expect(x.exec('cp-1', `touch ${flag}`, opts)).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE', failure: 'unreachable', message: expect.stringContaining('MaxSessions') });
      expect(existsSync(flag)).toBe(false);
    } finally {
      await x.close();
      await none.stop();
    }
  });
});

describe('connection lifetime', () => {
  it('a lost connection also kills the remote command (no orphan keeps running)', async () => {
    const [flag, started] = [fresh('late'), fresh('started')];
    const marker = `kubedr-orphan-${process.pid}-${seq}`;
    const cmd = t.exec('cp-1', `touch ${started}; sh -c 'sleep 300; : ${marker}'; touch ${flag}`, opts).catch((e: unknown) => e);
    await until('the remote command to run', () => existsSync(started) && running(marker) > 0);
    for (const pid of sshd.sessionPids()) process.kill(pid, 'SIGKILL');
    expect(await cmd).toMatchObject({ code: 'TRANSPORT_CONNECTION_LOST' });
    // Gone, not merely not finished yet: nothing is left that could still create the flag.
    await until('the orphaned command to be killed', () => running(marker) === 0);
    expect(existsSync(flag)).toBe(false);
  });

  it('keepalive detects a frozen server mid-command (connection-lost, not a hang)', async () => {
    const k = transport({ keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    const frozen: number[] = [];
    try {
      await k.exec('cp-1', 'true', opts);
      const started = fresh('started');
      const cmd = k.exec('cp-1', `touch ${started}; sleep 300`, opts).catch((e: unknown) => e);
      await untilExists(started);
      const before = new Set(descendantsOf(sshd.pid));
      for (const pid of before) {
        try {
          process.kill(pid, 'SIGSTOP');
          frozen.push(pid);
        } catch {
          // exited meanwhile
        }
      }
      // No exec deadline is set, so only the keepalive can end this wait (not a timeout).
      expect(await cmd).toMatchObject({ code: 'TRANSPORT_CONNECTION_LOST' });
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
      // Sessions of earlier tests may still be exiting: follow this connection's own session
      // process (a count would be satisfied by one of theirs exiting).
      const earlier = new Set(sshd.sessionPids());
      await idle.exec('cp-1', 'true', opts);
      const own = sshd.sessionPids().filter((p) => !earlier.has(p));
      expect(own.length).toBeGreaterThan(0);
      // Its sshd session process exits once the idle connection is closed.
      await until('the idle connection to close', () => !sshd.sessionPids().some((p) => own.includes(p)));
      await idle.exec('cp-1', 'true', opts);
      expect(accepted() - before).toBe(2);
    } finally {
      await idle.close();
    }
  });

  it('a call waiting for a free channel can be aborted', async () => {
    const one = transport({ maxChannelsPerConnection: 1 });
    try {
      const [started, gate] = [fresh('started'), fresh('gate')];
      const long = one.exec('cp-1', `touch ${started}; while [ ! -e ${gate} ]; do sleep 0.05; done`, opts);
      await untilExists(started);
      const ac = new AbortController();
      const waiting = one.exec('cp-1', 'true', { ...opts, signal: ac.signal });
      ac.abort();
      await expect(waiting).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
      writeFileSync(gate, '');
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

  it('names a passphrase-protected identity file and points to ssh-agent', async () => {
    const enc = join(dir, 'encrypted');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'passphrase', '-f', enc], { stdio: 'ignore' });
    const u = createSshTransport({ nodes: [nodeFor('cp-1', sshd, { identityFile: enc, knownHostsFile: known })] });
    await expect(u.exec('cp-1', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_AUTH_FAILED', message: expect.stringContaining(enc), hint: expect.stringContaining('ssh-agent') });
    await u.close();
  });

  it('times out a connect to a host that never answers', async () => {
    // A listening socket that never speaks SSH: the handshake never completes.
    const { createServer } = await import('node:net');
    const srv = createServer(() => undefined);
    await new Promise<void>((r) => srv.listen(0, sshd.host, () => r()));
    const port = (srv.address() as { port: number }).port;
    const u = createSshTransport({ nodes: [nodeFor('mute', { host: sshd.host, port }, { identityFile: key, knownHostsFile: known, connectTimeoutMs: 500 })] });
    // The exec has no deadline of its own: only the connect timeout can end this wait.
    await expect(u.exec('mute', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE', message: expect.stringMatching(/timed out/) });
    await u.close();
    srv.close();
  });

  it('refuses an unknown node name', async () => {
    await expect(t.exec('nope', 'true', opts)).rejects.toMatchObject({ code: 'TRANSPORT_UNKNOWN_NODE' });
  });
});
