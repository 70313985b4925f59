// The long-lived session agent over a real sshd: tasks share one shell per node, yet each keeps
// its own output, exit code, timeout and kill; a node that refuses the agent still runs commands.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport } from '../../src/transport/index.js';
import { processesWith, uniqueMarker } from '../helpers/procs.js';
import { until, untilExists } from '../helpers/until.js';
import { genKey, nodeFor, startSshd, type Sshd } from './helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-agent-'));
const key = join(dir, 'id_ed25519');
const known = join(dir, 'known_hosts');
// No per-exec deadline: a loaded machine may be slow; the test's own timeout bounds a hang.
const opts = { timeoutMs: 3_600_000, sudo: false };
let sshd: Sshd;
let refusing: Sshd;
let t: SshTransport;
const transports: SshTransport[] = [];
let seq = 0;
const fresh = (what: string): string => join(dir, `${what}-${++seq}`);

function transport(extra: Partial<Parameters<typeof createSshTransport>[0]> = {}, server: Sshd = sshd): SshTransport {
  const x = createSshTransport({ nodes: [nodeFor('cp-1', server, { identityFile: key, knownHostsFile: known })], ...extra });
  transports.push(x);
  return x;
}

/** The pid of the shell that started this task's shell: the agent (or the per-task wrapper). */
const AGENT_PID = 'ps -o ppid= -p $PPID | tr -d " "';
const sessions = (s: Sshd): number => s.log().split('\n').filter((l) => /Starting session: command/.test(l)).length;

beforeAll(async () => {
  const pub = genKey(key);
  sshd = await startSshd({ dir, authorizedKeys: `${pub}\n` });
  // A node whose forced command refuses anything that looks like the agent (a restricted shell).
  refusing = await startSshd({ dir, authorizedKeys: `${pub}\n`, extraConfig: [`ForceCommand case "$SSH_ORIGINAL_COMMAND" in *kubedr-agent*) exit 1;; *) eval "$SSH_ORIGINAL_COMMAND";; esac`] });
  writeFileSync(known, `${sshd.knownHostsLine}\n${refusing.knownHostsLine}\n`);
  t = transport();
});

afterAll(async () => {
  await Promise.all(transports.map((x) => x.close()));
  await sshd?.stop();
  await refusing?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('session agent', () => {
  it('runs consecutive tasks in one shell on one SSH session, each with its own result', async () => {
    const before = sessions(sshd);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await t.exec('cp-1', `echo task-${i}; ${AGENT_PID}; echo err-${i} >&2; exit ${i}`, opts));
    const agents = new Set(results.map((r) => r.stdout.split('\n')[1]));
    expect(agents.size).toBe(1);
    expect(results.map((r) => [r.exitCode, r.stdout.split('\n')[0], r.stderr])).toEqual([0, 1, 2, 3, 4].map((i) => [i, `task-${i}`, `err-${i}\n`]));
    expect(sessions(sshd) - before).toBe(1);
  });

  it('keeps tasks apart: no cwd, variables or trailing output leak into the next task', async () => {
    await t.exec('cp-1', 'cd /tmp; export KUBEDR_LEAK=1; KUBEDR_SHELL_VAR=2; printf "no newline at the end"', opts);
    const r = await t.exec('cp-1', 'pwd; echo "[$KUBEDR_LEAK][$KUBEDR_SHELL_VAR][$KUBEDR_TASK]"', opts);
    expect(r.stdout).toBe(`${process.env['HOME'] ?? '/root'}\n[][][]\n`);
  });

  it('never puts the command text in argv, where any user on the node could read it', async () => {
    const r = await t.exec('cp-1', ': s3cr3t-in-the-command; ps -eo args | grep -c "s3cr3t-in-the-comman[d]"', opts);
    expect(r.stdout.trim()).toBe('0');
  });

  it('returns large stdout and stderr whole, with no end mark in them', async () => {
    const cmd = `head -c 3000000 /dev/zero | tr '\\0' o; head -c 2000000 /dev/zero | tr '\\0' e >&2; printf tail`;
    const chunks: string[] = [];
    const r = await t.exec('cp-1', cmd, { ...opts, onStdout: (c) => chunks.push(c) });
    expect([r.exitCode, r.stdout.length, r.stderr.length, r.stdout.endsWith('otail')]).toEqual([0, 3_000_004, 2_000_000, true]);
    expect(createHash('sha256').update(chunks.join('')).digest('hex')).toBe(createHash('sha256').update(r.stdout).digest('hex'));
  });

  it('runs concurrent tasks on several agents of one connection, each output intact', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => t.exec('cp-1', `i=0; while [ $i -lt 2000 ]; do echo ${i}-$i; i=$((i+1)); done`, opts)));
    results.forEach((r, i) => {
      const lines = r.stdout.trim().split('\n');
      expect([lines.length, lines.every((l) => l.startsWith(`${i}-`)), lines[1999]]).toEqual([2000, true, `${i}-1999`]);
    });
  });

  it('kills the task tree on timeout, and the next task gets a new agent', async () => {
    // Idle agents are reused last-in first-out: the timed-out task runs on this one.
    const first = (await t.exec('cp-1', AGENT_PID, opts)).stdout.trim();
    const marker = uniqueMarker('agent-timeout');
    const err = await t.exec('cp-1', `sh -c 'sleep 300; : ${marker}' & sleep 301`, { ...opts, timeoutMs: 800 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_TIMEOUT', failure: 'timeout' });
    await until('the timed-out tree to be killed', () => processesWith(marker) === 0);
    const next = await t.exec('cp-1', `echo ok; ${AGENT_PID}`, opts);
    const [ok, agent] = next.stdout.split('\n');
    expect([ok, agent === first, first === '']).toEqual(['ok', false, false]);
  });

  it('kills the task tree when the operator aborts', async () => {
    const ac = new AbortController();
    const started = fresh('started');
    const marker = uniqueMarker('agent-abort');
    void untilExists(started).then(() => ac.abort());
    await expect(t.exec('cp-1', `touch ${started}; sh -c 'sleep 300; : ${marker}'`, { ...opts, signal: ac.signal })).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
    await until('the aborted tree to be killed', () => processesWith(marker) === 0);
  });

  it('a process a task leaves running keeps neither its later output nor a channel: the next task gets a new agent', async () => {
    // One channel per connection: the next task can only run once the old agent's is closed.
    const one = transport({ maxChannelsPerConnection: 1 });
    const [go, done, pidFile] = [fresh('go'), fresh('done'), fresh('pid')];
    // The leftover prints only once the next task has started (go), then says so (done) and
    // stays: its late writes may fail (the old channel is gone), which must not stop it.
    const leftover = `(trap '' PIPE; while [ ! -e ${go} ]; do sleep 0.1; done; echo LEAK-out; echo LEAK-err >&2; sleep 300 & echo $! > ${pidFile}; touch ${done}; wait) &`;
    const first = await one.exec('cp-1', `echo first; ${AGENT_PID}; ${leftover}`, opts);
    const second = await one.exec('cp-1', `touch ${go}; while [ ! -e ${done} ]; do sleep 0.1; done; echo second; ${AGENT_PID}`, opts);
    const [out1, agent1] = first.stdout.split('\n');
    const [out2, agent2] = second.stdout.split('\n');
    expect([out1, first.stderr, out2, second.stderr, second.stdout.split('\n').length]).toEqual(['first', '', 'second', '', 3]);
    expect(agent1 === agent2).toBe(false);
    // Left alone, as after a session per command.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(process.kill(pid, 0)).toBe(true);
    process.kill(pid, 'SIGKILL');
  });

  it('an idle agent gives its channel to a transfer waiting for one', async () => {
    const one = transport({ maxChannelsPerConnection: 1 });
    await one.exec('cp-1', 'true', opts);
    const src = fresh('src');
    writeFileSync(src, 'payload\n');
    // The agent idles for a minute otherwise: this test would then time out.
    const r = await one.upload('cp-1', src, fresh('dst'), { sudo: false });
    expect(r.bytes).toBe(8);
    expect((await one.exec('cp-1', 'echo after', opts)).stdout).toBe('after\n');
  }, 45_000);

  it('falls back to a session per command on a node that refuses the agent', async () => {
    const f = transport({}, refusing);
    const a = await f.exec('cp-1', 'echo one; exit 3', opts);
    const b = await f.exec('cp-1', 'echo two', opts);
    expect([a.exitCode, a.stdout, b.stdout]).toEqual([3, 'one\n', 'two\n']);
  });

  it('is off with sessionAgents: false (a session per command)', async () => {
    const off = transport({ sessionAgents: false });
    const before = sessions(sshd);
    for (let i = 0; i < 3; i++) expect((await off.exec('cp-1', `echo ${i}`, opts)).stdout).toBe(`${i}\n`);
    expect(sessions(sshd) - before).toBe(3);
  });

  it('a lost connection kills the running task with everything it started', async () => {
    const k = transport();
    const started = fresh('started');
    const marker = uniqueMarker('agent-lost');
    const running = k.exec('cp-1', `sh -c 'sleep 300; : ${marker}-bg' & touch ${started}; sh -c 'sleep 300; : ${marker}'`, opts).catch((e: unknown) => e);
    await until('the task to run', () => processesWith(marker) === 2);
    await untilExists(started);
    for (const pid of sshd.sessionPids()) process.kill(pid, 'SIGKILL');
    expect(await running).toMatchObject({ code: 'TRANSPORT_CONNECTION_LOST' });
    await until('the task and its background child to be killed', () => processesWith(marker) === 0);
  });
});
