// Progress of one long task (a transfer or a wait), as TaskProgress values at most every
// PROGRESS_EVERY_MS of the injected clock: frequent enough for a TTY to look alive, rare enough
// that 50 nodes × one upload cost the reporters nothing. Pure but for the clock it is given.
import type { TaskProgress } from '../model/index.js';

/** Least time between two progress values of one task. */
export const PROGRESS_EVERY_MS = 1000;

/** The rate is measured over about this much recent time, so a stall shows in the ETA quickly. */
export const RATE_WINDOW_MS = 5000;

interface Sample {
  t: number;
  bytes: number;
}

/** Bytes of one upload or download → throttled progress with rate and ETA. */
export class TransferMeter {
  private readonly startedAt: number;
  private lastEmit: number;
  /** Emitted points (and the start), oldest first; only those within the rate window are kept. */
  private readonly samples: Sample[];

  constructor(
    private readonly what: 'upload' | 'download',
    private readonly now: () => number,
  ) {
    this.startedAt = now();
    this.lastEmit = this.startedAt;
    this.samples = [{ t: this.startedAt, bytes: 0 }];
  }

  /** Called for every chunk; returns a progress value when one is due. */
  update(bytes: number, totalBytes: number | undefined): TaskProgress | undefined {
    const t = this.now();
    if (t - this.lastEmit < PROGRESS_EVERY_MS) return undefined;
    this.lastEmit = t;
    // The oldest sample still inside the window (always at least the newest one before now).
    while (this.samples.length > 1 && t - (this.samples[1]?.t ?? t) >= RATE_WINDOW_MS) this.samples.shift();
    const from = this.samples[0] ?? { t: this.startedAt, bytes: 0 };
    this.samples.push({ t, bytes });
    const seconds = (t - from.t) / 1000;
    const rate = seconds > 0 ? (bytes - from.bytes) / seconds : 0;
    const p: TaskProgress = { what: this.what, bytes, elapsedMs: t - this.startedAt };
    if (totalBytes !== undefined) p.totalBytes = totalBytes;
    if (rate > 0) {
      p.bytesPerSec = Math.round(rate);
      if (totalBytes !== undefined) p.etaMs = Math.max(0, Math.round(((totalBytes - bytes) / rate) * 1000));
    }
    return p;
  }
}

/** Polls of one wait → throttled elapsed/timeout progress. */
export class WaitMeter {
  private readonly startedAt: number;
  private lastEmit: number;
  private polls = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
    this.lastEmit = this.startedAt;
  }

  /** Called after every poll that was not yet the one awaited. */
  polled(): TaskProgress | undefined {
    this.polls++;
    const t = this.now();
    if (t - this.lastEmit < PROGRESS_EVERY_MS) return undefined;
    this.lastEmit = t;
    return { what: 'wait', elapsedMs: t - this.startedAt, timeoutMs: this.timeoutMs, polls: this.polls };
  }
}
