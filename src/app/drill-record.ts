// A drill is not a plan the engine runs (its stages pass values to each other and are judged in
// TypeScript), but it is recorded like one: the same RunEvents, so the audit log, `kubedr audit`
// and `kubedr runs` show every stage on its machine with its outcome and duration.
import { createHash } from 'node:crypto';
import type { EventSink } from '../engine/index.js';
import type { RunEvent } from '../model/index.js';

export const DRILL_PHASE = 'drill';

export class StageFailed extends Error {
  constructor(readonly stageId: string, message: string) {
    super(message);
    this.name = 'StageFailed';
  }
}

export class DrillRecorder {
  private readonly t0: number;
  readonly stages: { id: string; node: string; outcome: 'done' | 'failed'; durationMs: number; detail: string }[] = [];

  constructor(private readonly sinks: readonly EventSink[], private readonly now: () => number, readonly runId: string, private readonly signal?: AbortSignal) {
    this.t0 = now();
  }

  private emit(e: RunEvent): void {
    for (const s of this.sinks) s(e);
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  start(info: { planHash: string; runbook: string; cluster: string }): void {
    this.emit({ kind: 'run-start', runId: this.runId, mode: 'drill', ...info, at: this.iso() });
    this.emit({ kind: 'phase-start', phase: DRILL_PHASE, at: this.iso() });
  }

  /**
   * Runs one stage on `node` and records it. `body` returns a one-line detail for the report;
   * a thrown error fails the stage (its message is recorded) and is rethrown.
   */
  async stage<T>(id: string, node: string, describe: string, body: () => Promise<{ value: T; detail: string }>): Promise<T> {
    // Interrupted: no new stage starts, except the teardown, which must always run.
    if (this.signal?.aborted && id !== 'teardown') throw new StageFailed(id, 'interrupted by the operator');
    const t = this.now();
    this.emit({ kind: 'step-start', stepId: id, phase: DRILL_PHASE, nodes: [node], at: this.iso() });
    this.emit({ kind: 'task-start', stepId: id, node, attempt: 1, commandDigest: `sha256:${createHash('sha256').update(describe).digest('hex')}`, at: this.iso() });
    try {
      const { value, detail } = await body();
      this.finish(id, node, 'done', t, detail);
      return value;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.finish(id, node, 'failed', t, message);
      throw err instanceof StageFailed ? err : new StageFailed(id, message);
    }
  }

  private finish(id: string, node: string, outcome: 'done' | 'failed', t: number, detail: string): void {
    const durationMs = this.now() - t;
    this.stages.push({ id, node, outcome, durationMs, detail });
    if (detail !== '') this.emit({ kind: 'task-output', stepId: id, node, stream: outcome === 'done' ? 'stdout' : 'stderr', chunk: `${detail}\n` });
    this.emit({ kind: 'task-end', stepId: id, node, outcome, ...(outcome === 'failed' ? { error: detail } : {}), durationMs, at: this.iso() });
    this.emit({ kind: 'step-end', stepId: id, outcome, at: this.iso() });
  }

  end(outcome: 'done' | 'failed' | 'aborted'): void {
    this.emit({ kind: 'phase-end', phase: DRILL_PHASE, at: this.iso() });
    this.emit({ kind: 'run-end', runId: this.runId, outcome, durationMs: this.now() - this.t0, at: this.iso() });
  }
}
