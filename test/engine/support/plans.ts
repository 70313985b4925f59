// Builds Plans for tests without the plan builder: steps with actions on explicit nodes.
import { createHash } from 'node:crypto';
import type { Plan, PlannedAction, PlanStep, RenderedText } from '../../../src/model/index.js';
import { LOCAL_NODE } from '../../../src/model/index.js';

export const lit = (v: string): RenderedText => ({ parts: [{ t: 'lit', v }] });

/** A text with a run-time ref, e.g. `txt('echo ', ref('steps.tok.stdout', true))`. */
export function txt(...parts: (string | { ref: string; secret: boolean; quote?: boolean })[]): RenderedText {
  return {
    parts: parts.map((p) => (typeof p === 'string' ? { t: 'lit' as const, v: p } : { t: 'ref' as const, ref: p.ref, secret: p.secret, quote: p.quote ?? true })),
  };
}

export const sh = (script: string | RenderedText, sudo = false): PlannedAction => ({ kind: 'shell', script: typeof script === 'string' ? lit(script) : script, sudo });

export interface StepSpec extends Partial<Omit<PlanStep, 'tasks' | 'id'>> {
  id: string;
  nodes?: string[];
  action: PlannedAction;
  undo?: PlannedAction;
}

export function makePlan(steps: StepSpec[], opts: { cluster?: string; secretParams?: string[]; phases?: Record<string, string> } = {}): Plan {
  const nodes = [...new Set(steps.flatMap((s) => s.nodes ?? []))];
  const phaseNames = [...new Set(steps.map((s) => opts.phases?.[s.id] ?? 'main'))];
  const planSteps: PlanStep[] = steps.map((s) => {
    const on = s.action.kind === 'local' || s.action.kind === 'confirm' ? [LOCAL_NODE] : (s.nodes ?? []);
    return {
      id: s.id,
      name: s.name ?? s.id,
      phase: opts.phases?.[s.id] ?? 'main',
      concurrency: s.concurrency ?? { mode: 'parallel' },
      retry: s.retry ?? { attempts: 1, backoffMs: 1 },
      timeoutMs: s.timeoutMs ?? 10_000,
      idempotent: s.idempotent ?? false,
      onFailure: s.onFailure ?? { mode: 'stop' },
      ...(s.confirm !== undefined ? { confirm: s.confirm } : {}),
      ...(s.withPrevious === true ? { withPrevious: true } : {}),
      ...(s.onlyIfChanged !== undefined ? { onlyIfChanged: s.onlyIfChanged } : {}),
      skipped: s.skipped ?? false,
      tasks: on.map((node) => ({ key: `${s.id}@${node}`, stepId: s.id, node, action: s.action, ...(s.undo ? { undo: s.undo } : {}) })),
    };
  });
  const body = {
    version: 1 as const,
    runbook: { name: 'test', source: 'test.yaml', hash: 'rb-hash' },
    inventory: { cluster: opts.cluster ?? 'test-cluster', source: 'inv.yaml', hash: 'inv-hash' },
    params: {},
    secretParams: opts.secretParams ?? [],
    nodes: nodes.map((n) => ({ name: n, address: '127.0.0.1', port: 22, user: 'root', roles: [] })),
    phases: phaseNames.map((name) => ({ name, steps: planSteps.filter((s) => s.phase === name) })),
  };
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}
