// Every secret value known to the run (secret params, secret captures) is replaced in anything
// kept or shown: output, events, journal records, error messages. The scrubbing itself is the
// canonical one of src/audit (overlaps covered, one mark everywhere); this class only tracks
// which secrets the run knows.
import { REDACTED, redactSecrets } from '../errors/redact.js';

export { REDACTED };

export class Redactor {
  private secrets: string[] = [];

  /** Registers a secret; also its trimmed form, since captures are used without the newline. */
  add(value: string): void {
    for (const v of new Set([value, value.trim()])) {
      if (v !== '' && !this.secrets.includes(v)) this.secrets.push(v);
    }
    // Longest first, so a secret containing another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.length;
  }

  /** Length of the longest secret: how much output must be held back to redact across chunks. */
  get longest(): number {
    return this.secrets[0]?.length ?? 0;
  }

  /** True when some secret spans lines, so line-wise streaming could split it. */
  get multiline(): boolean {
    return this.secrets.some((s) => s.includes('\n'));
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /** True when `text` holds any secret (used to decide whether a capture may be journaled). */
  reveals(text: string): boolean {
    return this.secrets.some((s) => text.includes(s));
  }
}
