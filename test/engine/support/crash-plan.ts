// The plan the crash tests kill and resume: counters for every non-idempotent step, a secret
// captured on n1 and used on every node, a long idempotent step, and a serial step.
import type { Plan } from '../../../src/model/index.js';
import { makePlan, sh, txt } from './plans.js';

export const CRASH_NODES = ['n1', 'n2', 'n3'];
export const NON_IDEMPOTENT = ['s1', 'use', 's5'];
export const SECRET = 'tok-5f3a9c.e7d1b2c4a6f8e0d2';

export function crashPlan(): Plan {
  return makePlan(
    [
      { id: 's1', nodes: CRASH_NODES, action: sh('echo x >> s1.count; sleep 0.05') },
      // Captures are re-run on resume when their secret value is needed again.
      { id: 'token', nodes: ['n1'], idempotent: true, action: { kind: 'capture', command: txt('cat secret.txt'), secret: true, sudo: false } },
      { id: 'use', nodes: CRASH_NODES, action: sh(txt('echo x >> use.count; printf %s ', { ref: 'steps.token.stdout', secret: true }, ' > token.txt')) },
      { id: 'long', nodes: CRASH_NODES, idempotent: true, action: sh('echo x >> long.count; touch long.started; sleep 0.8') },
      { id: 's5', nodes: CRASH_NODES, concurrency: { mode: 'serial' }, action: sh('echo x >> s5.count') },
    ],
    { cluster: 'crash-lab' },
  );
}
