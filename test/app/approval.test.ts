// Who approved and how: every question (step confirm, confirm action, rollback) ends in an
// approval record naming the OS user and host and how it was answered (--yes, the prompt's
// answer). Without a terminal and without --yes the question is printed, the record says
// "no terminal, not approved" (never "declined"), and the CLI exits 3 saying how to approve.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSession } from '../../src/app/session.js';
import { auditBodyOf } from '../../src/audit/record.js';
import { decisionOf } from '../../src/audit/grid.js';
import { EXIT_NOT_APPROVED, notApprovedExit } from '../../src/cli/terminal.js';
import type { RunEvent } from '../../src/model/index.js';
import { formatEventLine } from '../../src/reporters/lines.js';
import { runInMemory, outcomes } from '../engine/support/harness.js';
import { MemoryTransport } from '../engine/support/memory-transport.js';
import { makePlan, sh, txt } from '../engine/support/plans.js';

const plan = makePlan([
  { id: 'ok', action: { kind: 'confirm', message: txt('Stop the API servers?') } },
  { id: 'b', nodes: ['n1'], action: sh('x'), confirm: 'really?' },
]);
const approver = { user: 'alice', host: 'ops-1' };
const approvals = (events: RunEvent[]) => events.filter((e): e is Extract<RunEvent, { kind: 'approval' }> => e.kind === 'approval');
const body = (e: RunEvent) => auditBodyOf(e, {}, (s) => s);

describe('approval records', () => {
  it('--yes: approved by the OS user and host, how = yes', async () => {
    const h = await runInMemory(plan, new MemoryTransport(), { yes: true, approver });
    expect(approvals(h.events).map(body)).toEqual([
      { type: 'approval', stepId: 'ok', message: 'Stop the API servers?', approvedBy: 'tester@host', auto: true, approved: true, how: 'yes', user: 'alice', host: 'ops-1' },
      { type: 'approval', stepId: 'b', message: 'really?', approvedBy: 'tester@host', auto: true, approved: true, how: 'yes', user: 'alice', host: 'ops-1' },
    ]);
    expect(decisionOf(approvals(h.events)[0] ?? { approvedBy: '', auto: false })).toBe('approved by alice@ops-1 with --yes');
  });

  it('at the prompt: the answer is recorded, yes and no alike', async () => {
    const yes = await runInMemory(plan, new MemoryTransport(), { approve: { approved: true, how: 'prompt', answer: 'y' }, approver });
    expect(approvals(yes.events).map(body)).toMatchObject([{ approved: true, how: 'prompt', answer: 'y', user: 'alice' }, { approved: true, how: 'prompt', answer: 'y' }]);
    const no = await runInMemory(plan, new MemoryTransport(), { approve: { approved: false, how: 'prompt', answer: 'n' }, approver });
    expect(approvals(no.events).map(body)).toMatchObject([{ stepId: 'ok', approved: false, how: 'prompt', answer: 'n' }]);
    expect(no.result.tasks.get('ok@@local')?.error).toBe('declined by the operator');
    expect(decisionOf(approvals(no.events)[0] ?? { approvedBy: '', auto: false })).toBe('declined by alice@ops-1 at the prompt (answer "n")');
  });

  it('no terminal: recorded as not approved (not declined), and the error says how to approve', async () => {
    const h = await runInMemory(plan, new MemoryTransport(), { approve: { approved: false, how: 'no-terminal' }, approver });
    expect(h.result.outcome).toBe('failed');
    expect(outcomes(h)['ok@@local']).toBe('failed');
    const [rec] = approvals(h.events);
    expect(rec && body(rec)).toMatchObject({ type: 'approval', stepId: 'ok', approved: false, how: 'no-terminal', user: 'alice', host: 'ops-1' });
    const error = h.result.tasks.get('ok@@local')?.error ?? '';
    expect(error).toMatch(/^no terminal, not approved: .*--yes/);
    expect(error).not.toMatch(/declined/);
    expect(formatEventLine(rec ?? h.events[0]!)).toBe('approval ok: no terminal, not approved: Stop the API servers?');
    expect(decisionOf(rec ?? { approvedBy: '', auto: false })).toBe('no terminal, not approved (asked of alice@ops-1)');
  });

  it('a step confirm with no terminal stops the run there, recorded the same way', async () => {
    const only = makePlan([{ id: 'b', nodes: ['n1'], action: sh('x'), confirm: 'really?' }]);
    const t = new MemoryTransport();
    const h = await runInMemory(only, t, { approve: { approved: false, how: 'no-terminal' } });
    expect(t.calls).toEqual([]);
    expect(approvals(h.events).map(body)).toMatchObject([{ stepId: 'b', approved: false, how: 'no-terminal' }]);
  });
});

describe('the session without a terminal', () => {
  it('prints the question (to the onUnasked hook) and answers no-terminal', async () => {
    const asked: string[] = [];
    const s = openSession({ plan, nodes: [], runDir: '/nonexistent', runId: 'r', secrets: {}, env: {}, transport: new MemoryTransport(), localTransport: new MemoryTransport(), onUnasked: (q) => asked.push(q) });
    expect(await s.approve({ kind: 'step', stepId: 'b', message: 'really?' })).toEqual({ approved: false, how: 'no-terminal' });
    expect(asked).toEqual(['step b: really?']);
    await s.close();
  });

  it('with a prompt: the typed answer is returned for the record', async () => {
    const s = openSession({ plan, nodes: [], runDir: '/nonexistent', runId: 'r', secrets: {}, env: {}, transport: new MemoryTransport(), localTransport: new MemoryTransport(), prompt: () => Promise.resolve(' yes ') });
    expect(await s.approve({ kind: 'rollback', stepId: 'b', message: 'undo?' })).toEqual({ approved: true, how: 'prompt', answer: 'yes' });
    await s.close();
  });
});

describe('the CLI after an unasked question', () => {
  afterEach(() => vi.restoreAllMocks());
  it('exits 3 and names the resume command with --yes; nothing to say when all was asked', () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (out.push(String(s)), true));
    expect(notApprovedExit('run-7', ['step b: really?'], 'failed')).toBe(EXIT_NOT_APPROVED);
    expect(EXIT_NOT_APPROVED).toBe(3);
    expect(out.join('')).toMatch(/not approved: no terminal.*nothing was declined.*kubedr resume run-7 --yes/);
    expect(notApprovedExit('run-7', [], 'failed')).toBeUndefined();
    expect(notApprovedExit('run-7', ['q'], 'done')).toBeUndefined();
  });
});
