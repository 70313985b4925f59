import { describe, expect, it } from 'vitest';
import { KubedrError } from '../../src/errors/index.js';
import { MemoryTransport } from './support/memory-transport.js';
import { delay, outcomes, runInMemory } from './support/harness.js';
import { makePlan, sh, txt } from './support/plans.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('scheduling', () => {
  it('runs steps in order and ends a step before the next begins', async () => {
    const log: string[] = [];
    const t = new MemoryTransport(async (node, cmd) => {
      log.push(`start ${cmd} ${node}`);
      await delay(node === 'n1' ? 20 : 1);
      log.push(`end ${cmd} ${node}`);
      return {};
    });
    const h = await runInMemory(makePlan([{ id: 'a', nodes, action: sh('A') }, { id: 'b', nodes, action: sh('B') }]), t);
    expect(h.result.outcome).toBe('done');
    const lastA = log.lastIndexOf('end A n1');
    const firstB = log.findIndex((l) => l.startsWith('start B'));
    expect(lastA).toBeLessThan(firstB);
  });

  it.each([
    [{ mode: 'parallel' as const, limit: 2 }, 16, 2],
    [{ mode: 'parallel' as const }, 3, 3],
    [{ mode: 'serial' as const }, 16, 1],
    [{ mode: 'batches' as const, size: 2 }, 16, 2],
  ])('respects concurrency %j with global %i (max %i at once)', async (concurrency, global, max) => {
    const t = new MemoryTransport(async () => (await delay(5), {}));
    await runInMemory(makePlan([{ id: 'a', nodes, action: sh('x'), concurrency }]), t, { concurrency: global });
    expect(t.maxActive).toBe(max);
  });

  it('starts a batch only when the previous batch has ended', async () => {
    const log: string[] = [];
    const t = new MemoryTransport(async (node) => {
      log.push(`+${node}`);
      await delay(node === 'n1' ? 30 : 1);
      log.push(`-${node}`);
      return {};
    });
    await runInMemory(makePlan([{ id: 'a', nodes, action: sh('x'), concurrency: { mode: 'batches', size: 2 } }]), t);
    expect(log.indexOf('-n1')).toBeLessThan(log.indexOf('+n3'));
  });
});

describe('failure policy and outcomes', () => {
  const failOn = (bad: string[]) => new MemoryTransport((node, cmd) => ({ exitCode: cmd === 'A' && bad.includes(node) ? 3 : 0 }));
  const twoSteps = (onFailure: Parameters<typeof makePlan>[0][0]['onFailure']) =>
    makePlan([{ id: 'a', nodes, action: sh('A'), ...(onFailure ? { onFailure } : {}) }, { id: 'b', nodes, action: sh('B') }]);

  it('stop: the next step does not run and the run fails', async () => {
    const t = failOn(['n2']);
    const h = await runInMemory(twoSteps({ mode: 'stop' }), t, { concurrency: 1 });
    expect(h.result.outcome).toBe('failed');
    expect(h.result.failedStep).toBe('a');
    expect(t.calls.some((c) => c.command === 'B')).toBe(false);
    // Serial-ish (global 1): after n2 failed, n3..n5 never started.
    expect(t.calls.filter((c) => c.command === 'A').map((c) => c.node)).toEqual(['n1', 'n2']);
    expect(h.result.tasks.get('a@n2')).toMatchObject({ outcome: 'failed', exitCode: 3 });
  });

  it('continue: the run goes on and still reports the failed task', async () => {
    const h = await runInMemory(twoSteps({ mode: 'continue' }), failOn(['n2']));
    expect(h.result.outcome).toBe('done');
    expect(outcomes(h)['b@n5']).toBe('done');
    expect(h.events.find((e) => e.kind === 'step-end' && e.stepId === 'a')).toMatchObject({ outcome: 'failed' });
  });

  it.each([
    [['n1', 'n2'], 'done'],
    [['n1', 'n2', 'n3'], 'failed'],
  ])('maxFailPercent 40 with failures on %j → %s', async (bad, outcome) => {
    const h = await runInMemory(twoSteps({ mode: 'maxFailPercent', percent: 40 }), failOn(bad), { concurrency: 1 });
    expect(h.result.outcome).toBe(outcome);
  });

  it('keeps unreachable, connection lost, timed out and failed distinct', async () => {
    const t = new MemoryTransport((node) => {
      if (node === 'n1') throw new KubedrError('TRANSPORT_UNREACHABLE', 'connect ECONNREFUSED');
      if (node === 'n2') throw new KubedrError('TRANSPORT_CONNECTION_LOST', 'connection reset');
      if (node === 'n3') throw new KubedrError('TRANSPORT_TIMEOUT', 'no exit after 10s');
      if (node === 'n4') throw new KubedrError('TRANSPORT_HOST_KEY_CHANGED', 'host key changed');
      return { exitCode: 7 };
    });
    const h = await runInMemory(makePlan([{ id: 'a', nodes, action: sh('x'), onFailure: { mode: 'continue' } }]), t);
    expect(outcomes(h)).toEqual({ 'a@n1': 'unreachable', 'a@n2': 'connection-lost', 'a@n3': 'timed-out', 'a@n4': 'unreachable', 'a@n5': 'failed' });
    expect(h.result.tasks.get('a@n5')?.exitCode).toBe(7);
    expect(h.result.tasks.get('a@n2')?.error).toMatch(/TRANSPORT_CONNECTION_LOST/);
  });
});

describe('retries', () => {
  const flaky = (failures: number, err?: string) => {
    let n = 0;
    return new MemoryTransport(() => {
      if (n++ < failures) {
        if (err) throw new KubedrError(err, 'boom');
        return { exitCode: 1 };
      }
      return {};
    });
  };
  const plan = (idempotent: boolean) => makePlan([{ id: 'a', nodes: ['n1'], action: sh('x'), idempotent, retry: { attempts: 3, backoffMs: 100 } }]);

  it('retries an idempotent step with exponential backoff', async () => {
    const t = flaky(2);
    const h = await runInMemory(plan(true), t);
    expect(outcomes(h)['a@n1']).toBe('done');
    expect(h.events.filter((e) => e.kind === 'task-retry').map((e) => (e.kind === 'task-retry' ? e.delayMs : 0))).toEqual([100, 200]);
    expect(h.journal.filter((r) => r.r === 'task-start')).toHaveLength(3);
  });

  it('does not retry a failed command of a non-idempotent step', async () => {
    const t = flaky(1);
    const h = await runInMemory(plan(false), t);
    expect(outcomes(h)['a@n1']).toBe('failed');
    expect(t.calls).toHaveLength(1);
  });

  it('retries a non-idempotent step only when the node was never reached', async () => {
    expect(outcomes(await runInMemory(plan(false), flaky(1, 'TRANSPORT_UNREACHABLE')))['a@n1']).toBe('done');
    const lost = flaky(1, 'TRANSPORT_CONNECTION_LOST');
    expect(outcomes(await runInMemory(plan(false), lost))['a@n1']).toBe('connection-lost');
    expect(lost.calls).toHaveLength(1);
  });

  it('retries an idempotent step after a lost connection', async () => {
    expect(outcomes(await runInMemory(plan(true), flaky(1, 'TRANSPORT_CONNECTION_LOST')))['a@n1']).toBe('done');
  });

  it('never retries a refused host key', async () => {
    const t = flaky(5, 'TRANSPORT_HOST_KEY_UNKNOWN');
    await runInMemory(plan(true), t);
    expect(t.calls).toHaveLength(1);
  });
});

describe('actions', () => {
  it('feeds a capture into a later step, quoted, and journals it when not secret', async () => {
    const t = new MemoryTransport((_n, cmd) => (cmd === 'get' ? { stdout: "it's v1\n" } : {}));
    const plan = makePlan([
      { id: 'ver', nodes: ['n1'], action: { kind: 'capture', command: txt('get'), secret: false, sudo: false } },
      { id: 'use', nodes: ['n1', 'n2'], action: sh(txt('echo ', { ref: 'steps.ver.stdout', secret: false })) },
    ]);
    const h = await runInMemory(plan, t);
    expect(t.on('n2')).toEqual([`echo 'it'\\''s v1'`]);
    expect(h.journal.find((r) => r.r === 'task-end' && r.key === 'ver@n1')).toMatchObject({ capture: "it's v1" });
  });

  it('waits until the output matches, then succeeds; times out otherwise', async () => {
    let polls = 0;
    const t = new MemoryTransport(() => ({ stdout: ++polls >= 3 ? 'healthy\n' : 'starting\n', exitCode: polls >= 3 ? 0 : 1 }));
    const wait = (timeoutMs: number) => makePlan([{ id: 'w', nodes: ['n1'], action: { kind: 'wait', command: txt('probe'), match: 'healthy', timeoutMs, intervalMs: 1000, sudo: false } }]);
    expect(outcomes(await runInMemory(wait(60_000), t))['w@n1']).toBe('done');
    expect(polls).toBe(3);
    polls = -100;
    const h = await runInMemory(wait(5_000), t);
    expect(outcomes(h)['w@n1']).toBe('timed-out');
    expect(polls).toBeLessThan(-90);
  });

  it('polls a wait at once, then again after 100 ms, backing off to the interval', async () => {
    let polls = 0;
    const t = new MemoryTransport(() => ({ exitCode: ++polls >= 7 ? 0 : 1 }));
    const sleeps: number[] = [];
    const plan = makePlan([{ id: 'w', nodes: ['n1'], action: { kind: 'wait', command: txt('probe'), timeoutMs: 60_000, intervalMs: 1000, sudo: false } }]);
    expect(outcomes(await runInMemory(plan, t, { onSleep: (ms) => sleeps.push(ms) }))['w@n1']).toBe('done');
    expect(sleeps).toEqual([100, 200, 400, 800, 1000, 1000]);
    // An interval below the first retry is never exceeded.
    polls = 5;
    sleeps.length = 0;
    const fast = makePlan([{ id: 'w', nodes: ['n1'], action: { kind: 'wait', command: txt('probe'), timeoutMs: 60_000, intervalMs: 50, sudo: false } }]);
    await runInMemory(fast, t, { onSleep: (ms) => sleeps.push(ms) });
    expect(sleeps).toEqual([50]);
  });

  it('asks for approval of confirm actions and step confirmations; --yes records an auto approval', async () => {
    const plan = makePlan([
      { id: 'ok', action: { kind: 'confirm', message: txt('Stop the API servers?') } },
      { id: 'b', nodes: ['n1'], action: sh('x'), confirm: 'really?' },
    ]);
    const asked = await runInMemory(plan, new MemoryTransport(), { approve: true });
    expect(asked.approvals.map((a) => a.kind)).toEqual(['confirm', 'step']);
    const declined = await runInMemory(plan, new MemoryTransport(), { approve: false });
    expect(declined.result.outcome).toBe('failed');
    expect(outcomes(declined)['ok@@local']).toBe('failed');
    const auto = await runInMemory(plan, new MemoryTransport(), { yes: true, approve: false });
    expect(auto.approvals).toEqual([]);
    expect(auto.events.filter((e) => e.kind === 'approval')).toMatchObject([{ auto: true, approvedBy: 'tester@host' }, { auto: true }]);
  });

  it('runs local actions on the second transport as the local node', async () => {
    const local = new MemoryTransport();
    const remote = new MemoryTransport();
    await runInMemory(makePlan([{ id: 'l', action: { kind: 'local', command: txt('kubectl get nodes') } }]), remote, { local });
    expect(local.calls).toEqual([{ node: '@local', command: 'kubectl get nodes' }]);
    expect(remote.calls).toEqual([]);
  });

  it('keeps only the last outputCap bytes of output, marked as cut', async () => {
    const t = new MemoryTransport(() => ({ stdout: `${'x'.repeat(5000)}TAIL` }));
    const h = await runInMemory(makePlan([{ id: 'a', nodes: ['n1'], action: sh('x') }]), t, { outputCap: 100 });
    const out = h.result.tasks.get('a@n1')?.stdout ?? '';
    expect(out).toBe(`… [cut: 4904 bytes] ${'x'.repeat(96)}TAIL`);
    expect(out.endsWith('TAIL')).toBe(true);
  });

  it('does not start new tasks after an abort and leaves the running one in flight in the journal', async () => {
    const ac = new AbortController();
    const t = new MemoryTransport(async () => {
      ac.abort();
      return Promise.resolve({ exitCode: 1 });
    });
    const h = await runInMemory(makePlan([{ id: 'a', nodes, action: sh('x'), concurrency: { mode: 'serial' } }]), t, { signal: ac.signal });
    expect(h.result.outcome).toBe('aborted');
    expect(t.calls).toHaveLength(1);
    expect(h.journal.filter((r) => r.r === 'task-end')).toEqual([]);
  });
});

describe('transfers', () => {
  it('checks an upload against the expected sha256 and fails without retry on a mismatch', async () => {
    const t = new MemoryTransport();
    const up = (sha: string) =>
      makePlan([{ id: 'up', nodes: ['n1'], idempotent: true, retry: { attempts: 3, backoffMs: 1 }, action: { kind: 'upload', src: txt('snap.db'), dest: txt('/var/lib/kubedr/snap.db'), mode: '0600', sha256: txt(sha) } }]);
    expect(outcomes(await runInMemory(up('AB'.repeat(32)), t))['up@n1']).toBe('done');
    const bad = await runInMemory(up('00'.repeat(32)), t);
    expect(bad.result.tasks.get('up@n1')).toMatchObject({ outcome: 'failed', attempts: 1, error: expect.stringContaining('sha256 mismatch') });
    expect(t.uploads).toHaveLength(2);
  });
});

describe('watchdog', () => {
  it('gives up on an exec that never returns, as timed out, and aborts it', async () => {
    let aborted = false;
    const t = new MemoryTransport(
      (_n, _c, opts) =>
        new Promise(() => {
          opts.signal?.addEventListener('abort', () => (aborted = true));
        }),
    );
    const h = await runInMemory(makePlan([{ id: 'hang', nodes: ['n1'], timeoutMs: 30, action: sh('x') }]), t, { watchdogGraceMs: 10 });
    expect(h.result.tasks.get('hang@n1')).toMatchObject({ outcome: 'timed-out', error: expect.stringContaining('step timeout 30 ms') });
    expect(aborted).toBe(true);
  });
});
