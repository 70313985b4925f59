// Per-(step, node) output: streamed to events line by line, kept as a size-capped tail, both
// redacted. Lines are the unit so that a secret is never split between two emitted chunks;
// when a secret spans lines, nothing is streamed until the task ends. Whenever text is cut
// from the front, the cut may split a secret, so the first `longest` characters are dropped
// after redaction (a full secret is already `***`; only a partial one can remain there).
import type { Redactor } from './redact.js';

/** @default 64 KiB */
export const DEFAULT_OUTPUT_CAP = 64 * 1024;

export class OutputTail {
  private raw = '';
  private rawCut = false;
  private pending = '';
  private pendingCut = false;

  constructor(
    private readonly redactor: Redactor,
    private readonly cap: number,
    private readonly emit: ((chunk: string) => void) | undefined,
  ) {}

  push(chunk: string): void {
    const keep = this.cap + this.redactor.longest;
    this.raw += chunk;
    if (this.raw.length > keep * 2) {
      this.raw = this.raw.slice(-keep);
      this.rawCut = true;
    }
    if (this.emit === undefined) return;
    this.pending += chunk;
    if (this.redactor.multiline) return;
    const nl = this.pending.lastIndexOf('\n');
    if (nl < 0) {
      if (this.pending.length > keep * 2) {
        this.pending = this.pending.slice(-keep);
        this.pendingCut = true;
      }
      return;
    }
    this.emit(this.safe(this.pending.slice(0, nl + 1), this.pendingCut));
    this.pendingCut = false;
    this.pending = this.pending.slice(nl + 1);
  }

  /** Emits what is left and returns the redacted, capped tail. */
  finish(): string {
    if (this.emit !== undefined && this.pending !== '') this.emit(this.safe(this.pending, this.pendingCut));
    this.pending = '';
    return this.text();
  }

  text(): string {
    return this.safe(this.raw, this.rawCut);
  }

  private safe(text: string, cut: boolean): string {
    let red = this.redactor.redact(text);
    if (cut) red = red.slice(this.redactor.longest);
    return red.length > this.cap ? red.slice(-this.cap) : red;
  }
}
