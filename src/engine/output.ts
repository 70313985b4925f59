// Per-(step, node) output: streamed to events line by line, kept as a size-capped tail, both
// redacted. Lines are the unit so that a secret is never split between two emitted chunks;
// when a secret spans lines, nothing is streamed until the task ends. Whenever text is cut
// from the front, the cut may split a secret, so the first `longest` characters are dropped
// after redaction (a full secret is already `***`; only a partial one can remain there).
// Cut text is never silent: the kept part starts with CUT_MARK and how many bytes went.
import type { Redactor } from './redact.js';

/** `… [cut: 1234 bytes] `: what stands where the front of an over-long line or output was cut. */
export const cutMark = (bytes: number): string => `… [cut: ${bytes} bytes] `;
const bytesOf = (s: string): number => Buffer.byteLength(s, 'utf8');

/** @default 64 KiB */
export const DEFAULT_OUTPUT_CAP = 64 * 1024;

export class OutputTail {
  private raw = '';
  /** Bytes dropped from the front of `raw` (0: nothing cut). */
  private rawCut = 0;
  private pending = '';
  private pendingCut = 0;

  constructor(
    private readonly redactor: Redactor,
    private readonly cap: number,
    private readonly emit: ((chunk: string) => void) | undefined,
  ) {}

  push(chunk: string): void {
    const keep = this.cap + this.redactor.longest;
    this.raw += chunk;
    if (this.raw.length > keep * 2) {
      this.rawCut += bytesOf(this.raw.slice(0, -keep));
      this.raw = this.raw.slice(-keep);
    }
    if (this.emit === undefined) return;
    this.pending += chunk;
    if (this.redactor.multiline) return;
    const nl = this.pending.lastIndexOf('\n');
    if (nl < 0) {
      if (this.pending.length > keep * 2) {
        this.pendingCut += bytesOf(this.pending.slice(0, -keep));
        this.pending = this.pending.slice(-keep);
      }
      return;
    }
    this.emit(this.safe(this.pending.slice(0, nl + 1), this.pendingCut));
    this.pendingCut = 0;
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

  private safe(text: string, cutBytes: number): string {
    let red = this.redactor.redact(text);
    let cut = cutBytes;
    if (cut > 0) {
      cut += bytesOf(red.slice(0, this.redactor.longest));
      red = red.slice(this.redactor.longest);
    }
    if (red.length > this.cap) {
      cut += bytesOf(red.slice(0, -this.cap));
      red = red.slice(-this.cap);
    }
    return cut > 0 ? `${cutMark(cut)}${red}` : red;
  }
}
