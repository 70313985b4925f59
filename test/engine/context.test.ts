// The engine's last line of defence: whatever a step, a transport or an error message puts into
// an event, a secret value never reaches a sink (reporters, audit) through it.
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/engine/context.js';
import type { EngineDeps, EngineOptions } from '../../src/engine/index.js';
import type { RunEvent } from '../../src/model/index.js';
import { makePlan, sh } from './support/plans.js';
import { MemoryTransport } from './support/memory-transport.js';

const SECRET = 'tok-9f8e7d6c5b4a';

function contextSeeing(events: RunEvent[]) {
  const plan = makePlan([{ id: 's', nodes: ['n1'], action: sh('true') }], { secretParams: ['token'] });
  const t = new MemoryTransport();
  const deps = { transport: t, localTransport: t, journal: { append: () => Promise.resolve() }, sinks: [(e: RunEvent) => events.push(e)], now: () => 0, sleep: () => Promise.resolve(), approve: () => Promise.resolve(true) } as EngineDeps;
  const opts = { runId: 'r', mode: 'run', secrets: { token: SECRET }, concurrency: 1, yes: false, rollback: 'never', outputCap: 1024, nodeLock: false, operator: 'a@b' } as EngineOptions;
  return createContext(plan, deps, opts);
}

describe('event-level redaction', () => {
  const at = '2026-01-01T00:00:00.000Z';
  it.each<RunEvent>([
    { kind: 'task-output', stepId: 's', node: 'n1', stream: 'stdout', chunk: `token is ${SECRET}\n` },
    { kind: 'task-retry', stepId: 's', node: 'n1', attempt: 2, reason: `auth with ${SECRET} failed`, delayMs: 1, at },
    { kind: 'task-end', stepId: 's', node: 'n1', outcome: 'failed', durationMs: 1, error: `exit 1: ${SECRET}`, at },
    { kind: 'approval', stepId: 's', approvedBy: 'a', auto: false, message: `join with ${SECRET}?`, at },
  ])('scrubs a secret from a $kind event before any sink sees it', (event) => {
    const seen: RunEvent[] = [];
    contextSeeing(seen).emit(event);
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(seen[0])).not.toContain(SECRET);
    expect(JSON.stringify(seen[0])).toContain('[REDACTED]');
  });
});
