// The operator-facing wiring without a lab (in-memory transport): secrets from the environment
// only, report.html at the end, a refused run leaves no run directory, resume keeps params.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paramFlagsOf } from '../../src/app/inputs.js';
import { resumeFiles, runFiles } from '../../src/app/operate.js';
import { resolveSecrets } from '../../src/app/secrets.js';
import { KubedrError } from '../../src/errors/index.js';
import { TransportError } from '../../src/transport/index.js';
import type { InventoryNode, Plan } from '../../src/model/index.js';
import { MemoryTransport } from '../engine/support/memory-transport.js';

const RUNBOOK = 'test/fixtures/runbooks/e2e/all-nodes.yaml';
const INVENTORY = 'test/fixtures/inventories/three-masters.yaml';
const SECRET = 'x-e2e-secret-0123456789';

function base(stateDir: string, transport = new MemoryTransport((_n, cmd) => (cmd.includes('kubeadm token create') ? { stdout: 'kubeadm join 1.2.3.4:6443 --token abcdef.0123456789abcdef\n' } : {}))) {
  return { stateDir, transport, localTransport: transport, nodeLock: false as const, env: { E2E: SECRET }, paramFromEnv: ['e2eSecret=E2E'], yes: true };
}

describe('runFiles', () => {
  it('plans from the files, takes the secret from the environment, writes audit log and report.html', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kubedr-operate-'));
    const o = base(stateDir);
    const out = await runFiles({ ...o, runbook: RUNBOOK, inventory: INVENTORY });
    expect(out.result.outcome).toBe('done');
    expect(readdirSync(out.paths.runDir)).toEqual(expect.arrayContaining(['audit.jsonl', 'journal.jsonl', 'plan.json', 'report.html']));
    expect(readFileSync(join(out.paths.runDir, 'report.html'), 'utf8')).toContain('whoami');
    // The secret reached the node command but no file of the run.
    expect(o.transport.calls.some((c) => c.command.includes(SECRET))).toBe(true);
    for (const f of readdirSync(out.paths.runDir)) {
      const text = readFileSync(join(out.paths.runDir, f), 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('0123456789abcdef');
    }
  });

  it('a run refused before it starts (secret missing) leaves no run directory', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kubedr-operate-'));
    const err = await runFiles({ ...base(stateDir), env: {}, runbook: RUNBOOK, inventory: INVENTORY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubedrError);
    expect((err as KubedrError).code).toBe('SECRET_ENV_MISSING');
    expect((err as KubedrError).exitCode).toBe(2);
    expect(existsSync(join(stateDir, 'runs'))).toBe(false);
  });

  it('resume rebuilds the plan with the params the run started with', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kubedr-operate-'));
    const first = await runFiles({ ...base(stateDir), runbook: RUNBOOK, inventory: INVENTORY, params: ['marker=custom'] });
    const again = await resumeFiles({ ...base(stateDir), runId: first.runId });
    expect(again.result.outcome).toBe('done');
    expect(again.result.tasks.size).toBe(0); // everything was already done
    const changed = await resumeFiles({ ...base(stateDir), runId: first.runId, params: ['marker=other'] }).catch((e: unknown) => e);
    expect((changed as KubedrError).code).toBe('RESUME_PLAN_CHANGED');
  });
});

describe('resumeFiles after a lost connection', () => {
  it('asks the operator about a non-idempotent task cut by a lost connection instead of re-running it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kubedr-operate-'));
    let cut = true;
    const t = new MemoryTransport((node, cmd) => {
      if (cut && node === 'cp1' && cmd.includes('kubedr-e2e/record')) {
        cut = false;
        throw new TransportError('TRANSPORT_CONNECTION_LOST', node, 'connection lost during exec', { failure: 'connection-lost' });
      }
      return cmd.includes('kubeadm token create') ? { stdout: 'kubeadm join x --token abcdef.0123456789abcdef\n' } : {};
    });
    const o = { ...base(stateDir, t), rollback: 'never' as const };
    const first = await runFiles({ ...o, runbook: RUNBOOK, inventory: INVENTORY });
    expect(first.result.tasks.get('record@cp1')).toMatchObject({ outcome: 'connection-lost', attempts: 1 });
    const err = await resumeFiles({ ...o, runId: first.runId }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RESUME_IN_FLIGHT', exitCode: 2 });
    expect((err as Error).message).toContain('record@cp1');
    const ran = t.calls.filter((c) => c.node === 'cp1' && c.command.includes('kubedr-e2e/record')).length;
    const again = await resumeFiles({ ...o, runId: first.runId, assumeDone: ['record@cp1'] });
    expect(again.result.outcome).toBe('done');
    expect(t.calls.filter((c) => c.node === 'cp1' && c.command.includes('kubedr-e2e/record')).length).toBe(ran);
  });
});

describe('KUBEDR_SSH_SESSION_AGENT', () => {
  it('a value that is neither on nor off is refused before any secret is asked for, and nothing runs', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kubedr-operate-'));
    const o = base(stateDir);
    const asked: string[] = [];
    const prompt = (q: string): Promise<string> => (asked.push(q), Promise.resolve('typed-secret-0123456789'));
    const err = await runFiles({ ...o, env: { KUBEDR_SSH_SESSION_AGENT: 'of' }, paramFromEnv: [], prompt, runbook: RUNBOOK, inventory: INVENTORY }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENV_VALUE_INVALID', exitCode: 2 });
    expect(asked).toEqual([]);
    expect(o.transport.calls).toEqual([]);
  });
});

describe('secrets', () => {
  const plan = { secretParams: ['token'] } as Pick<Plan, 'secretParams'>;
  const nodes: InventoryNode[] = [];

  it('come from the named environment variable, or a prompt, never elsewhere', async () => {
    expect(await resolveSecrets(plan, nodes, { fromEnv: ['token=T'], env: { T: 'abcd.0123456789' } })).toEqual({ token: 'abcd.0123456789' });
    expect(await resolveSecrets(plan, nodes, { env: {}, prompt: (q, o) => Promise.resolve(o.secret && q.includes('token') ? 'typed-secret-1' : '') })).toEqual({ token: 'typed-secret-1' });
  });

  it.each([
    [{ env: {} }, 'SECRET_MISSING'],
    [{ fromEnv: ['token=T'], env: {} }, 'SECRET_ENV_MISSING'],
    [{ fromEnv: ['other=T'], env: { T: 'x' } }, 'SECRET_UNKNOWN'],
    [{ fromEnv: ['token=T'], env: { T: 'abc' } }, 'SECRET_TOO_WEAK'],
    [{ fromEnv: ['token=T'], env: { T: 'step' } }, 'SECRET_TOO_WEAK'],
    [{ env: {}, prompt: () => Promise.resolve('password') }, 'SECRET_TOO_WEAK'],
    [{ fromEnv: ['token'], env: {} }, 'SECRET_BAD_FLAG'],
  ])('refuse with exit 2: %j → %s', async (input, code) => {
    const err = await resolveSecrets(plan, nodes, input).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, exitCode: 2 });
  });

  it('paramFlagsOf keeps the saved params and lets --param override one', () => {
    const saved = { params: { a: 1, b: 'x', c: true } } as unknown as Plan;
    expect(paramFlagsOf(saved, ['b=y'])).toEqual(['a=1', 'c=true', 'b=y']);
  });
});
