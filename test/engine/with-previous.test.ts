// Steps marked withPrevious run together with the step before them; the next step waits for the
// whole group, and a failure in the group stops the run once the group has ended.
import { describe, expect, it } from 'vitest';
import { stepGroups } from '../../src/model/index.js';
import { MemoryTransport } from './support/memory-transport.js';
import { runInMemory } from './support/harness.js';
import { makePlan, sh } from './support/plans.js';

/** A promise with its resolve, to make one command wait until another has started. */
function latch(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('withPrevious', () => {
  it('groups a step with the step before it, and only within a phase', () => {
    const plan = makePlan([
      { id: 'a', nodes: ['n1'], action: sh('A') },
      { id: 'b', nodes: ['n1'], action: sh('B'), withPrevious: true },
      { id: 'c', nodes: ['n1'], action: sh('C'), withPrevious: true },
      { id: 'd', nodes: ['n1'], action: sh('D') },
    ]);
    expect(stepGroups(plan.phases[0]?.steps ?? []).map((g) => g.map((s) => s.id))).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('starts the step while the one before it still runs; the next step waits for both', async () => {
    // A ends only once B has started: run one after the other, this run would never end.
    const bStarted = latch();
    const log: string[] = [];
    const t = new MemoryTransport(async (node, cmd) => {
      log.push(`start ${cmd}`);
      if (cmd === 'B') bStarted.open();
      if (cmd === 'A') await bStarted.opened;
      log.push(`end ${cmd}`);
      return {};
    });
    const h = await runInMemory(makePlan([
      { id: 'a', nodes: ['n1', 'n2'], action: sh('A') },
      { id: 'b', nodes: ['n1'], action: sh('B'), withPrevious: true },
      { id: 'c', nodes: ['n1'], action: sh('C') },
    ]), t);
    expect(h.result.outcome).toBe('done');
    // B started while A still ran on a node: before A's last end.
    expect(log.slice(0, log.lastIndexOf('end A'))).toContain('start B');
    expect(log.indexOf('start C')).toBeGreaterThan(Math.max(log.lastIndexOf('end A'), log.indexOf('end B')));
  });

  it('a failed step of the group stops the run after the group, the others finish', async () => {
    const t = new MemoryTransport((_node, cmd) => ({ exitCode: cmd === 'B' ? 4 : 0 }));
    const h = await runInMemory(makePlan([
      { id: 'a', nodes: ['n1'], action: sh('A') },
      { id: 'b', nodes: ['n1'], action: sh('B'), withPrevious: true },
      { id: 'c', nodes: ['n1'], action: sh('C'), withPrevious: true },
      { id: 'd', nodes: ['n1'], action: sh('D') },
    ]), t);
    expect(h.result).toMatchObject({ outcome: 'failed', failedStep: 'b' });
    expect(t.calls.map((c) => c.command).sort()).toEqual(['A', 'B', 'C']);
    expect(h.result.tasks.get('c@n1')?.outcome).toBe('done');
  });
});
