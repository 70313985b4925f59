// Progress of transfers and waits, on an injected clock: no real time passes in these tests.
import { describe, expect, it } from 'vitest';
import type { OnTransferProgress, RunEvent, TaskProgress, TransferResult } from '../../src/model/index.js';
import { PROGRESS_EVERY_MS, TransferMeter, WaitMeter } from '../../src/engine/progress.js';
import { runInMemory } from './support/harness.js';
import { MemoryTransport } from './support/memory-transport.js';
import { lit, makePlan } from './support/plans.js';

const MiB = 1024 * 1024;

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('TransferMeter', () => {
  it('says nothing for the first second, then bytes, rate and ETA', () => {
    const c = fakeClock();
    const m = new TransferMeter('upload', c.now);
    c.advance(500);
    expect(m.update(50 * MiB, 400 * MiB)).toBeUndefined();
    c.advance(500);
    expect(m.update(100 * MiB, 400 * MiB)).toEqual({ what: 'upload', bytes: 100 * MiB, totalBytes: 400 * MiB, bytesPerSec: 100 * MiB, etaMs: 3000, elapsedMs: 1000 });
    // Throttled: a chunk 200 ms later gives nothing.
    c.advance(200);
    expect(m.update(120 * MiB, 400 * MiB)).toBeUndefined();
  });

  it('measures the rate over recent seconds, so a stall shows in the ETA', () => {
    const c = fakeClock();
    const m = new TransferMeter('download', c.now);
    let bytes = 0;
    let last: TaskProgress | undefined;
    for (let s = 0; s < 10; s++) {
      c.advance(1000);
      bytes += 10 * MiB;
      last = m.update(bytes, 1000 * MiB) ?? last;
    }
    expect(last).toMatchObject({ bytesPerSec: 10 * MiB, etaMs: 90_000 });
    // Five seconds with no bytes: the windowed rate falls to zero and the ETA is no longer claimed.
    for (let s = 0; s < 5; s++) {
      c.advance(1000);
      last = m.update(bytes, 1000 * MiB);
    }
    expect(last).toEqual({ what: 'download', bytes: 100 * MiB, totalBytes: 1000 * MiB, elapsedMs: 15_000 });
  });

  it('without a known size: bytes and rate, no ETA', () => {
    const c = fakeClock();
    const m = new TransferMeter('download', c.now);
    c.advance(2000);
    expect(m.update(8 * MiB, undefined)).toEqual({ what: 'download', bytes: 8 * MiB, bytesPerSec: 4 * MiB, elapsedMs: 2000 });
  });
});

describe('WaitMeter', () => {
  it('reports elapsed time against the timeout at most once a second', () => {
    const c = fakeClock();
    const m = new WaitMeter(300_000, c.now);
    c.advance(100);
    expect(m.polled()).toBeUndefined();
    c.advance(900);
    expect(m.polled()).toEqual({ what: 'wait', elapsedMs: 1000, timeoutMs: 300_000, polls: 2 });
  });
});

/** Uploads in chunks of 64 MiB, each taking 250 ms of the fake clock, reporting every chunk. */
class ChunkedUploads extends MemoryTransport {
  constructor(
    private readonly clock: { advance: (ms: number) => void },
    private readonly size: number,
  ) {
    super(() => ({ exitCode: 1 }));
  }

  override async upload(_node: string, _l: string, _r: string, opts?: { onProgress?: OnTransferProgress }): Promise<TransferResult> {
    for (let sent = 0; sent < this.size; ) {
      sent = Math.min(this.size, sent + 64 * MiB);
      this.clock.advance(250);
      opts?.onProgress?.(sent, this.size);
      await Promise.resolve();
    }
    return { sha256: 'ab'.repeat(32), bytes: this.size, durationMs: 0 };
  }
}

const progressOf = (events: RunEvent[]) => events.filter((e): e is Extract<RunEvent, { kind: 'task-progress' }> => e.kind === 'task-progress');

describe('engine progress events', () => {
  it('an upload emits task-progress per node with bytes, total, rate and ETA, about once a second', async () => {
    const clock = fakeClock();
    const size = 2048 * MiB;
    const plan = makePlan([{ id: 'stage', nodes: ['cp-1', 'cp-2'], action: { kind: 'upload', src: lit('/s.db'), dest: lit('/var/lib/s.db') } }]);
    const h = await runInMemory(plan, new ChunkedUploads(clock, size), { clock });
    const p = progressOf(h.events);
    for (const node of ['cp-1', 'cp-2']) {
      const mine = p.filter((e) => e.node === node);
      // 32 chunks × 250 ms = 8 s of upload per node (the two nodes share the fake clock).
      expect(mine.length).toBeGreaterThanOrEqual(3);
      expect(mine.every((e) => e.what === 'upload' && e.totalBytes === size && e.stepId === 'stage')).toBe(true);
      const bytes = mine.map((e) => (e.what === 'upload' ? e.bytes : 0));
      expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
      expect(mine.at(-1)).toMatchObject({ bytesPerSec: expect.any(Number), etaMs: expect.any(Number) });
    }
    for (let i = 1; i < p.length; i++) if (p[i]?.node === p[i - 1]?.node) expect(Date.parse(p[i]?.at ?? '') - Date.parse(p[i - 1]?.at ?? '')).toBeGreaterThanOrEqual(PROGRESS_EVERY_MS);
    // Progress comes between the task's start and end.
    const kinds = h.events.filter((e) => 'node' in e && e.node === 'cp-1').map((e) => e.kind);
    expect(kinds[0]).toBe('task-start');
    expect(kinds.at(-1)).toBe('task-end');
  });

  it('a long wait emits elapsed/timeout progress while it polls', async () => {
    const clock = fakeClock();
    let polls = 0;
    const t = new MemoryTransport(() => ({ exitCode: ++polls >= 12 ? 0 : 1 }));
    const plan = makePlan([{ id: 'etcd-healthy', nodes: ['cp-1'], timeoutMs: 600_000, action: { kind: 'wait', command: lit('etcdctl endpoint health'), timeoutMs: 300_000, intervalMs: 2000, sudo: false } }]);
    const h = await runInMemory(plan, t, { clock });
    const p = progressOf(h.events);
    expect(p.length).toBeGreaterThanOrEqual(3);
    expect(p.every((e) => e.what === 'wait' && e.timeoutMs === 300_000)).toBe(true);
    const elapsed = p.map((e) => e.elapsedMs);
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
    expect(h.events.at(-1)).toMatchObject({ kind: 'run-end', outcome: 'done' });
  });
});
