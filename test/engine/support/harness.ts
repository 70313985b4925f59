// Runs the engine in memory: journal records and events are collected in arrays.
import { executePlan, type EngineOptions, type RunResult } from '../../../src/engine/index.js';
import type { JournalRecord } from '../../../src/journal/index.js';
import type { Plan, RunEvent, Transport } from '../../../src/model/index.js';
import type { ApprovalAnswer, ApprovalRequest, PriorState } from '../../../src/engine/index.js';
import { MemoryTransport } from './memory-transport.js';

export interface Harness {
  result: RunResult;
  events: RunEvent[];
  journal: JournalRecord[];
  approvals: ApprovalRequest[];
}

export interface HarnessOptions extends Partial<EngineOptions> {
  local?: Transport;
  approve?: boolean | ApprovalAnswer;
  prior?: PriorState;
  signal?: AbortSignal;
  onSecret?: (value: string) => void;
  /** Told every sleep the engine asks for (the clock is fake: sleeps return at once). */
  onSleep?: (ms: number) => void;
  /** A clock the test also drives (e.g. from a fake transport); sleeps advance it. Default: +1 ms per read. */
  clock?: { now: () => number; advance: (ms: number) => void };
}

export async function runInMemory(plan: Plan, transport: Transport, o: HarnessOptions = {}): Promise<Harness> {
  const events: RunEvent[] = [];
  const journal: JournalRecord[] = [];
  const approvals: ApprovalRequest[] = [];
  let clock = 1_700_000_000_000;
  const { local, approve, prior, signal, onSecret, onSleep, clock: given, ...rest } = o;
  const result = await executePlan(
    plan,
    {
      transport,
      localTransport: local ?? new MemoryTransport(),
      journal: { append: (r) => (journal.push(r), Promise.resolve()) },
      sinks: [(e) => events.push(e)],
      now: given ? given.now : () => (clock += 1),
      sleep: (ms) => (onSleep?.(ms), given ? given.advance(ms) : (clock += ms), Promise.resolve()),
      approve: (req) => (approvals.push(req), Promise.resolve(approve ?? true)),
      ...(signal ? { signal } : {}),
      ...(onSecret ? { onSecret } : {}),
    },
    {
      runId: 'run-1',
      mode: 'run',
      secrets: {},
      concurrency: 16,
      yes: false,
      rollback: 'never',
      outputCap: 65536,
      nodeLock: false,
      operator: 'tester@host',
      ...rest,
    },
    prior,
  );
  return { result, events, journal, approvals };
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function outcomes(h: Harness): Record<string, string> {
  return Object.fromEntries([...h.result.tasks.values()].map((t) => [t.key, t.outcome]));
}
