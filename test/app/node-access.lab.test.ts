// Against a real sshd: host keys recorded by --accept-new-host-keys are named (SHA256, node,
// address) and audited; node locks left by a killed run are released by `kubedr unlock -i`
// only when the holder is dead (a live one needs --force), and audited; connection failures are
// reported as what they are (DNS, auth, unreachable, host key), never as NODE_LOCKED.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFiles } from '../../src/app/operate.js';
import { unlockNodes } from '../../src/app/unlock.js';
import { freePort, genKey, startSshd, type Sshd } from '../transport/helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-access-'));
const key = join(dir, 'id_ed25519');
const otherKey = join(dir, 'other_ed25519');
const lockDir = join(dir, 'node-lock');
const nodeLock = { dir: lockDir, sudo: false };
let sshd: Sshd;
let n = 0;

const runbook = join(dir, 'rb.yaml');
writeFileSync(runbook, [
  'apiVersion: kubedr.io/v1alpha1', 'kind: Runbook', 'metadata: { name: touch }', 'phases:', '  - name: main', '    steps:',
  '      - id: touch', '        targets: { roles: [control-plane] }', `        shell: touch ${join(dir, 'ran')}`, '',
].join('\n'));

function inventory(o: { host?: string; port?: number; identityFile?: string; knownHosts?: string } = {}): string {
  const f = join(dir, `inv${n++}.yaml`);
  writeFileSync(f, [
    'apiVersion: kubedr.io/v1alpha1', 'kind: Inventory', 'cluster: { name: access }',
    `defaults: { ssh: { user: root, port: ${o.port ?? sshd.port}, identityFile: ${o.identityFile ?? key}, knownHostsFile: ${o.knownHosts ?? known()}, connectTimeout: 5s } }`,
    'nodes:', `  - { name: cp1, address: ${o.host ?? sshd.host}, roles: [control-plane] }`, '',
  ].join('\n'));
  return f;
}

function known(content = `${sshd.knownHostsLine}\n`): string {
  const f = join(dir, `known${n++}`);
  writeFileSync(f, content);
  return f;
}

const stateDir = (): string => join(dir, `state${n++}`);
const auditOf = (state: string, runId: string): Record<string, unknown>[] =>
  readFileSync(join(state, 'runs', runId, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** A pid that belonged to a process now dead (SIGKILLed, reaped). */
async function deadPid(): Promise<number> {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  const pid = child.pid ?? 0;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return pid;
}

function leaveLock(holder: { runId: string; pid: number; host?: string }): void {
  mkdirSync(lockDir, { recursive: true });
  writeFileSync(join(lockDir, 'holder'), `${JSON.stringify({ runId: holder.runId, user: 'root', host: holder.host ?? hostname(), pid: holder.pid, since: '2026-01-01T00:00:00.000Z' })}\n`);
}

beforeAll(async () => {
  sshd = await startSshd({ dir: join(dir, 'sshd'), authorizedKeys: `${genKey(key)}\n` });
  genKey(otherKey);
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('--accept-new-host-keys', () => {
  it('names each recorded key (SHA256, node, address) and audits it', async () => {
    const state = stateDir();
    const seen: unknown[] = [];
    const out = await runFiles({ runbook, inventory: inventory({ knownHosts: known('') }), stateDir: state, acceptNewHostKeys: true, nodeLock, onHostKey: (e) => seen.push(e), env: {} });
    expect(out.result.outcome).toBe('done');
    const pub = join(dir, 'host.pub');
    writeFileSync(pub, `${sshd.hostKeyLine}\n`);
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pub]).toString().split(' ')[1];
    expect(fp).toMatch(/^SHA256:/);
    const want = { node: 'cp1', address: `${sshd.host}:${sshd.port}`, fingerprint: fp };
    expect(seen).toEqual([expect.objectContaining({ kind: 'host-key', ...want })]);
    expect(auditOf(state, out.runId).filter((r) => r['type'] === 'host-key')).toEqual([expect.objectContaining(want)]);
  });
});

describe('node locks left by a killed run', () => {
  it('a run refused by the lock names the holder, resume and unlock', async () => {
    leaveLock({ runId: 'killed-1', pid: await deadPid() });
    const err = await runFiles({ runbook, inventory: inventory(), stateDir: stateDir(), nodeLock, env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NODE_LOCKED', exitCode: 2, message: expect.stringContaining('run killed-1'), hint: expect.stringMatching(/kubedr resume killed-1.*kubedr unlock -i .* --run killed-1/) });
  });

  it('unlock refuses a live holder without --force and releases nothing', async () => {
    leaveLock({ runId: 'alive-1', pid: process.pid });
    const err = await unlockNodes({ inventory: inventory(), stateDir: stateDir(), nodeLock, env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNLOCK_HOLDER_ALIVE', exitCode: 2, message: expect.stringContaining(`run alive-1 of root@${hostname()} (pid ${process.pid}`) });
    expect(existsSync(join(lockDir, 'holder'))).toBe(true);
  });

  it('a holder on another machine is not judged dead either', async () => {
    leaveLock({ runId: 'elsewhere-1', pid: await deadPid(), host: 'some-other-laptop' });
    await expect(unlockNodes({ inventory: inventory(), stateDir: stateDir(), nodeLock, env: {} })).rejects.toMatchObject({ code: 'UNLOCK_HOLDER_ALIVE' });
    expect(existsSync(join(lockDir, 'holder'))).toBe(true);
  });

  it('releases a dead holder, naming it, and audits the release in that run', async () => {
    const pid = await deadPid();
    leaveLock({ runId: 'killed-2', pid });
    const state = stateDir();
    const out = await unlockNodes({ inventory: inventory(), runId: 'killed-2', stateDir: state, nodeLock, env: {} });
    expect(out).toEqual([{ node: 'cp1', status: 'released', holder: { runId: 'killed-2', user: 'root', host: hostname(), pid, since: '2026-01-01T00:00:00.000Z' }, holderAlive: false }]);
    expect(existsSync(lockDir)).toBe(false);
    expect(auditOf(state, 'killed-2')).toEqual([expect.objectContaining({ type: 'node-unlock', node: 'cp1', holderAlive: false, forced: false, holder: expect.objectContaining({ runId: 'killed-2', pid }) })]);
    // Once released, a run goes through.
    const run = await runFiles({ runbook, inventory: inventory(), stateDir: state, nodeLock, env: {} });
    expect(run.result.outcome).toBe('done');
  });

  it('--run leaves another run\'s lock alone; --force releases a live holder and records it', async () => {
    leaveLock({ runId: 'alive-2', pid: process.pid });
    const state = stateDir();
    expect(await unlockNodes({ inventory: inventory(), runId: 'other', stateDir: state, nodeLock, env: {} })).toMatchObject([{ node: 'cp1', status: 'other-run' }]);
    expect(existsSync(join(lockDir, 'holder'))).toBe(true);
    expect(await unlockNodes({ inventory: inventory(), force: true, stateDir: state, nodeLock, env: {} })).toMatchObject([{ node: 'cp1', status: 'released', holderAlive: true }]);
    expect(existsSync(lockDir)).toBe(false);
    expect(auditOf(state, 'alive-2')).toEqual([expect.objectContaining({ type: 'node-unlock', forced: true, holderAlive: true })]);
  });
});

describe('connection failures are reported as such, never as NODE_LOCKED', () => {
  const attempt = (inv: string): Promise<unknown> => runFiles({ runbook, inventory: inv, stateDir: stateDir(), nodeLock, env: {} }).catch((e: unknown) => e);

  it.each([
    ['a name that does not resolve', () => inventory({ host: 'no-such-node.invalid' }), 'TRANSPORT_DNS_FAILED', /cannot resolve host name no-such-node\.invalid/],
    ['a refused key', () => inventory({ identityFile: otherKey }), 'TRANSPORT_AUTH_FAILED', /authentication as root/],
    ['nothing listening', () => inventory({ port: -1 }), 'TRANSPORT_UNREACHABLE', /cannot connect to/],
    ['a changed host key', () => inventory({ knownHosts: known(`[${sshd.host}]:${sshd.port} ${readFileSync(`${otherKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`) }), 'TRANSPORT_HOST_KEY_CHANGED', /HOST KEY CHANGED/],
  ])('%s', async (_what, inv, code, message) => {
    rmSync(lockDir, { recursive: true, force: true });
    rmSync(join(dir, 'ran'), { force: true });
    const err = (await attempt(await resolvePort(inv()))) as { code?: string; message?: string; exitCode?: number };
    expect(err).toMatchObject({ code, exitCode: 2 });
    expect(err.message).toMatch(message);
    expect(err.message).toContain('cp1');
    expect(err.code).not.toBe('NODE_LOCKED');
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });
});

/** `port: -1` stands for a free port with nothing listening. */
async function resolvePort(inv: string): Promise<string> {
  const text = readFileSync(inv, 'utf8');
  if (!text.includes('port: -1')) return inv;
  writeFileSync(inv, text.replace('port: -1', `port: ${await freePort(sshd.host)}`));
  return inv;
}

describe('session agents', () => {
  const steps = join(dir, 'steps.yaml');
  const sessions = (): number => sshd.log().split('\n').filter((l) => /Starting session: command/.test(l)).length;
  const run = async (env: Record<string, string>): Promise<number> => {
    writeFileSync(steps, [
      'apiVersion: kubedr.io/v1alpha1', 'kind: Runbook', 'metadata: { name: steps }', 'phases:', '  - name: main', '    steps:',
      ...[1, 2, 3, 4].flatMap((i) => [`      - id: s${i}`, '        targets: { roles: [control-plane] }', `        shell: echo step ${i}`]), '',
    ].join('\n'));
    const before = sessions();
    const out = await runFiles({ runbook: steps, inventory: inventory(), stateDir: stateDir(), nodeLock, env });
    expect(out.result.outcome).toBe('done');
    return sessions() - before;
  };

  it('are the default: the node lock, four steps and the release share one long-lived session', async () => {
    expect(await run({})).toBe(1);
  });

  it('KUBEDR_SSH_SESSION_AGENT=off gives every command its own SSH session', async () => {
    expect(await run({ KUBEDR_SSH_SESSION_AGENT: 'off' })).toBeGreaterThanOrEqual(6);
  });

  it('a value that is neither on nor off is refused before anything connects', async () => {
    const connections = (): number => sshd.log().split('\n').filter((l) => /Accepted publickey/.test(l)).length;
    const before = connections();
    const err = await run({ KUBEDR_SSH_SESSION_AGENT: 'of' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENV_VALUE_INVALID', exitCode: 2, message: expect.stringContaining('KUBEDR_SSH_SESSION_AGENT="of"') });
    expect(connections()).toBe(before);
  });

  it('kubedr unlock reaches nodes the same way: one session by default, one per command with off', async () => {
    const unlockSessions = async (env: Record<string, string>): Promise<number> => {
      leaveLock({ runId: 'agents-1', pid: await deadPid() });
      const before = sessions();
      expect(await unlockNodes({ inventory: inventory(), stateDir: stateDir(), nodeLock, env })).toMatchObject([{ node: 'cp1', status: 'released' }]);
      return sessions() - before;
    };
    // Reading the holder and releasing it are two commands.
    expect(await unlockSessions({})).toBe(1);
    expect(await unlockSessions({ KUBEDR_SSH_SESSION_AGENT: 'off' })).toBe(2);
  });
});
