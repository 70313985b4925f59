import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/model/index.js';
import { createListrReporter } from '../../src/reporters/listr.js';
import { HEARTBEAT_MS, REPAINT_MS, type Terminal } from '../../src/reporters/listr-renderer.js';
import type { ProgressOutline } from '../../src/reporters/outline.js';

/** A terminal that records what the renderer writes: one write per repaint. */
function fakeTty(): NodeJS.WriteStream & { writes: string[] } {
  const writes: string[] = [];
  return { isTTY: true, columns: 120, rows: 40, writes, write: (chunk: string | Uint8Array) => (writes.push(String(chunk)), true) } as unknown as NodeJS.WriteStream & { writes: string[] };
}

const NODES = Array.from({ length: 50 }, (_, i) => `w${i + 1}`);
const STEPS = ['s1', 's2', 's3', 's4'];
const outline: ProgressOutline = { phases: [{ name: 'fanout', steps: STEPS.map((id) => ({ id, undoNodes: [] })) }] };
const at = (ms: number): string => new Date(Date.parse('2026-11-23T16:00:00Z') + ms).toISOString();

/** 4 steps × 50 nodes × (start, 3 output lines, end) + run and step events: 1,010 events; w17 fails s4. */
function fanOut(): RunEvent[] {
  const ev: RunEvent[] = [{ kind: 'run-start', runId: 'r', mode: 'run', planHash: 'p'.repeat(64), runbook: 'fanout', cluster: 'lab', at: at(0) }];
  let t = 0;
  for (const stepId of STEPS) {
    ev.push({ kind: 'step-start', stepId, phase: 'fanout', nodes: NODES, at: at(t++) });
    for (const node of NODES) {
      ev.push({ kind: 'task-start', stepId, node, attempt: 1, commandDigest: 'd', at: at(t++) });
      for (let l = 1; l <= 3; l++) ev.push({ kind: 'task-output', stepId, node, stream: 'stdout', chunk: `${node} line ${l}\n` });
      const failed = stepId === 's4' && node === 'w17';
      ev.push({ kind: 'task-end', stepId, node, outcome: failed ? 'failed' : 'done', exitCode: failed ? 3 : 0, ...(failed ? { error: 'disk full' } : {}), durationMs: 40, at: at(t++) });
    }
    ev.push({ kind: 'step-end', stepId, outcome: stepId === 's4' ? 'failed' : 'done', at: at(t++) });
  }
  ev.push({ kind: 'run-end', runId: 'r', outcome: 'failed', durationMs: t, at: at(t) });
  return ev;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('listr reporter on a terminal', () => {
  it('repaints at a bounded rate however many events arrive (1,010 events over 10 s: at most one frame per REPAINT_MS)', async () => {
    // setImmediate stays real: listr2 loads its drawing modules (dynamic imports) when it starts.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const terminal: Terminal = { stdout: fakeTty(), stderr: fakeTty() };
    const writes = (terminal.stdout as ReturnType<typeof fakeTty>).writes;
    const r = createListrReporter({ outline, terminal });
    const events = fanOut();
    expect(events.length).toBeGreaterThanOrEqual(1000);
    r.onEvent(events[0] as RunEvent);
    for (let i = 0; i < 100_000 && writes.length === 0; i++) await new Promise((res) => setImmediate(res));
    for (const e of events.slice(1)) {
      r.onEvent(e);
      await vi.advanceTimersByTimeAsync(10);
    }
    const closed = r.close();
    await vi.advanceTimersByTimeAsync(1000);
    await closed;
    const simulatedMs = events.length * 10 + 1000;
    // A frame per REPAINT_MS at most, plus the cursor codes and the final tree (listr2 alone drew
    // more than one frame per event here: > 1,000 writes).
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(simulatedMs / REPAINT_MS) + 6);
    expect(writes.length).toBeGreaterThan(10); // it did draw progress while running
    const frames = writes.join('');
    // step progress while it runs (which counts a frame catches depends on when it is drawn)
    expect(frames).toMatch(/s2 — 50 nodes: \d+ done, (1 running, )?\d+ waiting\n/);
    // and a running node's last output line under its step
    expect(frames).toMatch(/\n +› (w\d+): \1 line \d\n/);
    // the final tree: every step on one line, the failed node with its error
    const final = writes.filter((w) => w.includes('fanout')).at(-1) ?? '';
    expect(final).toContain('s1 [101ms] — 50 nodes: 50 done');
    expect(final).toContain('s4 [101ms] — 50 nodes: 49 done, 1 failed (w17)');
    expect(final).toContain('w17: failed (exit 3): disk full');
    expect(final.split('\n').length).toBeLessThan(20);
  });

  it('while nothing happens (a long restore), redraws only for the spinner, once per HEARTBEAT_MS', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const terminal: Terminal = { stdout: fakeTty(), stderr: fakeTty() };
    const writes = (terminal.stdout as ReturnType<typeof fakeTty>).writes;
    const r = createListrReporter({ outline, terminal });
    const events = fanOut();
    r.onEvent(events[0] as RunEvent);
    for (let i = 0; i < 100_000 && writes.length === 0; i++) await new Promise((res) => setImmediate(res));
    for (const e of events.slice(1, 3)) r.onEvent(e); // s1 starts on w1
    await vi.advanceTimersByTimeAsync(1000);
    const before = writes.length;
    await vi.advanceTimersByTimeAsync(30_000);
    const idle = writes.length - before;
    // 30 frames for 30 s (listr2's own spinner: 300)
    expect(idle).toBeLessThanOrEqual(30_000 / HEARTBEAT_MS + 1);
    expect(idle).toBeGreaterThanOrEqual(30_000 / HEARTBEAT_MS - 1);
    const closed = r.close();
    await vi.advanceTimersByTimeAsync(1000);
    await closed;
  });
});
