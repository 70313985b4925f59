// In-memory RunEvent builder for audit and reporter tests: a deterministic clock and helpers
// that emit realistic sequences (step-start, per-node task-start/end, retries, undo).
import { createHash } from 'node:crypto';
import type { RunEvent, RunMode, TaskOutcome } from '../../src/model/index.js';

export interface TaskSpec {
  outcome?: TaskOutcome;
  ms?: number;
  exitCode?: number;
  error?: string;
  /** Failed attempts before the final one. */
  retries?: number;
  output?: string;
}

export class EventScript {
  readonly events: RunEvent[] = [];
  private t: number;

  constructor(readonly runId = 'run-1', start = Date.parse('2026-11-23T16:00:00.000Z')) {
    this.t = start;
  }

  private at(advanceMs = 0): string {
    this.t += advanceMs;
    return new Date(this.t).toISOString();
  }

  start(opts: { mode?: RunMode; runbook?: string; cluster?: string } = {}): this {
    this.events.push({ kind: 'run-start', runId: this.runId, mode: opts.mode ?? 'run', planHash: 'p'.repeat(64), runbook: opts.runbook ?? 'etcd-restore', cluster: opts.cluster ?? 'lab', at: this.at() });
    return this;
  }

  phase(name: string, body: (s: this) => void): this {
    this.events.push({ kind: 'phase-start', phase: name, at: this.at(1) });
    body(this);
    this.events.push({ kind: 'phase-end', phase: name, at: this.at(1) });
    return this;
  }

  /** A step whose nodes run in parallel (all start, then all end in the order given). */
  step(stepId: string, phase: string, tasks: Record<string, TaskSpec>, opts: { approval?: { by: string; auto: boolean } } = {}): this {
    const nodes = Object.keys(tasks);
    this.events.push({ kind: 'step-start', stepId, phase, nodes, at: this.at(1) });
    if (opts.approval) this.events.push({ kind: 'approval', stepId, message: `proceed with ${stepId}?`, approvedBy: opts.approval.by, auto: opts.approval.auto, at: this.at(1) });
    const digest = createHash('sha256').update(`cmd ${stepId}`).digest('hex');
    const begin = this.t;
    for (const node of nodes) this.events.push({ kind: 'task-start', stepId, node, attempt: 1, commandDigest: digest, at: this.at(1) });
    let failed = false;
    for (const [node, spec] of Object.entries(tasks)) {
      for (let a = 1; a <= (spec.retries ?? 0); a++) {
        this.events.push({ kind: 'task-retry', stepId, node, attempt: a + 1, reason: 'connection reset', delayMs: 100, at: this.at(50) });
        this.events.push({ kind: 'task-start', stepId, node, attempt: a + 1, commandDigest: digest, at: this.at(100) });
      }
      if (spec.output !== undefined) this.events.push({ kind: 'task-output', stepId, node, stream: 'stdout', chunk: spec.output });
      const ms = spec.ms ?? 1000;
      this.t = Math.max(this.t, begin + ms);
      const outcome = spec.outcome ?? 'done';
      const end: RunEvent = { kind: 'task-end', stepId, node, outcome, durationMs: ms, at: this.at(1) };
      const exitCode = spec.exitCode ?? (outcome === 'done' ? 0 : outcome === 'failed' ? 1 : undefined);
      if (exitCode !== undefined) end.exitCode = exitCode;
      if (spec.error !== undefined) end.error = spec.error;
      this.events.push(end);
      if (outcome !== 'done' && outcome !== 'skipped' && outcome !== 'assumed-done') failed = true;
    }
    this.events.push({ kind: 'step-end', stepId, outcome: failed ? 'failed' : 'done', at: this.at(1) });
    return this;
  }

  skippedStep(stepId: string, phase: string, nodes: string[] = []): this {
    this.events.push({ kind: 'step-start', stepId, phase, nodes, at: this.at(1) });
    this.events.push({ kind: 'step-end', stepId, outcome: 'skipped', at: this.at(1) });
    return this;
  }

  undo(stepId: string, nodes: string[], outcome: 'done' | 'failed' = 'done', ms = 200): this {
    for (const node of nodes) {
      this.events.push({ kind: 'undo-start', stepId, node, at: this.at(1) });
      this.events.push({ kind: 'undo-end', stepId, node, outcome, exitCode: outcome === 'done' ? 0 : 1, durationMs: ms, at: this.at(ms) });
    }
    return this;
  }

  end(outcome: 'done' | 'failed' | 'rolled-back' | 'aborted' = 'done'): this {
    const first = this.events.find((e) => e.kind === 'run-start');
    const began = first && first.kind === 'run-start' ? Date.parse(first.at) : this.t;
    const at = this.at(1);
    this.events.push({ kind: 'run-end', runId: this.runId, outcome, durationMs: Date.parse(at) - began, at });
    return this;
  }
}

/** A typical restore: 3 control-plane nodes, 2 workers, one retry, one skipped step. */
export function sampleRun(runId = 'run-1'): EventScript {
  const cps = ['cp-1', 'cp-2', 'cp-3'];
  const all = [...cps, 'wk-1', 'wk-2'];
  const ok = (ms: number) => ({ outcome: 'done' as const, ms });
  return new EventScript(runId)
    .start()
    .phase('prepare', (s) => {
      s.step('check-snapshot', 'prepare', { '@local': ok(400) });
      s.step('stop-apiserver', 'prepare', Object.fromEntries(cps.map((n, i) => [n, ok(1200 + i * 300)])), { approval: { by: 'alice', auto: false } });
    })
    .phase('restore', (s) => {
      s.step('restore-etcd', 'restore', { 'cp-1': ok(5200), 'cp-2': { ms: 4800, retries: 1 }, 'cp-3': ok(6100) });
      s.skippedStep('rejoin-learners', 'restore', cps);
      s.step('restart-kubelet', 'restore', Object.fromEntries(all.map((n) => [n, ok(900)])));
    })
    .end();
}
