import { describe, expect, it } from 'vitest';
import { KubedrError } from '../../src/errors/index.js';
import { MemoryTransport } from './support/memory-transport.js';
import { outcomes, runInMemory } from './support/harness.js';
import { makePlan, sh, txt } from './support/plans.js';

describe('rollback on failure', () => {
  const plan = makePlan([
    { id: 'a', nodes: ['n1', 'n2'], action: sh('do-a'), undo: sh('undo-a') },
    { id: 'b', nodes: ['n1', 'n2'], action: sh('do-b') },
    { id: 'c', nodes: ['n1', 'n2'], action: sh('do-c'), undo: sh('undo-c') },
    { id: 'd', nodes: ['n1', 'n2'], action: sh('do-d'), undo: sh('undo-d') },
  ]);
  const failD = () => new MemoryTransport((node, cmd) => ({ exitCode: cmd === 'do-d' && node === 'n2' ? 1 : 0 }));

  it('auto: unwinds completed tasks with an undo, in reverse step order, per node', async () => {
    const t = failD();
    const h = await runInMemory(plan, t, { rollback: 'auto' });
    expect(h.result.outcome).toBe('rolled-back');
    // d@n1 completed (its undo runs), d@n2 failed (nothing to undo), b has no undo.
    for (const n of ['n1', 'n2']) {
      const undos = t.on(n).filter((c) => c.startsWith('undo'));
      expect(undos).toEqual(n === 'n1' ? ['undo-d', 'undo-c', 'undo-a'] : ['undo-c', 'undo-a']);
    }
    const ends = h.journal.filter((r) => r.r === 'undo-end');
    expect(ends).toHaveLength(5);
    expect(h.journal.at(-1)).toMatchObject({ r: 'run-end', outcome: 'rolled-back' });
  });

  it('never: leaves the undo stack alone', async () => {
    const t = failD();
    const h = await runInMemory(plan, t, { rollback: 'never' });
    expect(h.result.outcome).toBe('failed');
    expect(t.calls.some((c) => c.command.startsWith('undo'))).toBe(false);
  });

  it('prompt: asks, and a refusal keeps everything in place', async () => {
    const t = failD();
    const h = await runInMemory(plan, t, { rollback: 'prompt', approve: false });
    expect(h.approvals).toMatchObject([{ kind: 'rollback', stepId: 'd' }]);
    expect(t.calls.some((c) => c.command.startsWith('undo'))).toBe(false);
  });

  it('stops unwinding at a failed undo and reports the rollback incomplete', async () => {
    const t = new MemoryTransport((_n, cmd) => ({ exitCode: cmd === 'do-d' || cmd === 'undo-c' ? 1 : 0 }));
    const h = await runInMemory(plan, t, { rollback: 'auto' });
    expect(h.result).toMatchObject({ outcome: 'failed', rollbackIncomplete: true });
    expect(t.calls.some((c) => c.command === 'undo-a')).toBe(false);
  });
});

describe('secrets', () => {
  const TOKEN = 'abcdef.0123456789abcdef';
  const PASSWORD = 's3cr3t-p@ss';

  it('never puts a captured secret or a secret param in events, journal, output or errors', async () => {
    const t = new MemoryTransport((node, cmd) => {
      if (cmd === 'kubeadm token create') return { stdout: `${TOKEN}\n`, stderr: `created ${TOKEN}\n` };
      if (cmd.includes(TOKEN) && node === 'w1') return { stdout: `joining with ${TOKEN}\n`, stderr: `using ${PASSWORD}`, exitCode: 0 };
      if (cmd.includes(TOKEN)) return { stdout: `${TOKEN.slice(0, 6)}`, stderr: `refused token ${TOKEN}\n`, exitCode: 1 };
      if (cmd.includes(PASSWORD)) throw new KubedrError('TRANSPORT_CONNECTION_LOST', `lost while running ${cmd}`);
      return {};
    });
    const plan = makePlan(
      [
        { id: 'token', nodes: ['cp1'], action: { kind: 'capture', command: txt('kubeadm token create'), secret: true, sudo: true } },
        {
          id: 'join',
          nodes: ['w1', 'w2'],
          action: sh(txt('kubeadm join --token ', { ref: 'steps.token.stdout', secret: true })),
          onFailure: { mode: 'continue' },
        },
        { id: 'pw', nodes: ['w1'], action: sh(txt('echo ', { ref: 'params.sudoPassword', secret: true })), onFailure: { mode: 'continue' } },
      ],
      { secretParams: ['sudoPassword'] },
    );
    const learned: string[] = [];
    const h = await runInMemory(plan, t, { secrets: { sudoPassword: PASSWORD }, onSecret: (v) => learned.push(v) });
    expect(learned).toEqual([TOKEN]);
    expect(t.on('w2')[0]).toContain(TOKEN); // the node did get the real token
    expect(outcomes(h)).toMatchObject({ 'token@cp1': 'done', 'join@w1': 'done', 'join@w2': 'failed', 'pw@w1': 'connection-lost' });
    const everything = JSON.stringify([h.events, h.journal, [...h.result.tasks.values()]]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).toContain('joining with [REDACTED]');
    expect(everything).toContain('refused token [REDACTED]');
    expect(h.journal.find((r) => r.r === 'task-end' && r.key === 'token@cp1')).toMatchObject({ captureWithheld: true });
  });

  it('withholds a non-secret capture from the journal when it holds a secret', async () => {
    const t = new MemoryTransport(() => ({ stdout: `config with ${PASSWORD}\n` }));
    const plan = makePlan([{ id: 'cfg', nodes: ['n1'], action: { kind: 'capture', command: txt('cat cfg'), secret: false, sudo: false } }], {
      secretParams: ['pw'],
    });
    const h = await runInMemory(plan, t, { secrets: { pw: PASSWORD } });
    expect(JSON.stringify(h.journal)).not.toContain(PASSWORD);
    expect(h.journal.find((r) => r.r === 'task-end')).toMatchObject({ captureWithheld: true });
  });

  it('refuses to start without the value of a secret param (exit 2, nothing run)', async () => {
    const t = new MemoryTransport();
    const plan = makePlan([{ id: 'a', nodes: ['n1'], action: sh('x') }], { secretParams: ['pw'] });
    await expect(runInMemory(plan, t)).rejects.toMatchObject({ code: 'ENGINE_MISSING_SECRET', exitCode: 2 });
    expect(t.calls).toEqual([]);
  });

  it('re-runs a withheld secret capture when a pending task needs it (resume)', async () => {
    const t = new MemoryTransport((_n, cmd) => (cmd === 'mint' ? { stdout: `${TOKEN}\n` } : {}));
    const plan = makePlan([
      { id: 'token', nodes: ['cp1'], action: { kind: 'capture', command: txt('mint'), secret: true, sudo: false } },
      { id: 'join', nodes: ['w1', 'w2'], action: sh(txt('join ', { ref: 'steps.token.stdout', secret: true })) },
    ]);
    const prior = { completed: new Set(['token@cp1']), captures: new Map(), withheld: new Set(['token@cp1']), undoStack: [] };
    const h = await runInMemory(plan, t, { prior });
    expect(t.calls.map((c) => c.command)).toEqual(['mint', `join ${TOKEN}`, `join ${TOKEN}`]);
    expect(h.journal.filter((r) => r.r === 'recapture')).toHaveLength(1);
    expect(JSON.stringify([h.journal, h.events])).not.toContain(TOKEN);
  });
});
