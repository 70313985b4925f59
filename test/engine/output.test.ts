import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../src/engine/output.js';
import { Redactor } from '../../src/engine/redact.js';

const SECRET = 'tok-0123456789abcdef';

function stream(chunks: string[], cap: number, secrets = [SECRET]): { emitted: string[]; kept: string } {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  const emitted: string[] = [];
  const tail = new OutputTail(r, cap, (c) => emitted.push(c));
  for (const c of chunks) tail.push(c);
  return { kept: tail.finish(), emitted };
}

describe('OutputTail', () => {
  it('redacts a secret split across chunks before emitting it', () => {
    const { emitted, kept } = stream(['join --token tok-0123', '456789abcdef --x\n', 'done\n'], 1000);
    expect(emitted.join('')).toBe('join --token [REDACTED] --x\ndone\n');
    expect(kept).toBe('join --token [REDACTED] --x\ndone\n');
  });

  it('never leaves part of a secret at the front of a capped tail', () => {
    // Every cut position around the secret: the kept tail must never hold a fragment of it.
    for (let pad = 0; pad < 40; pad++) {
      const text = `${SECRET}${'a'.repeat(pad)}${SECRET}-${SECRET}${'b'.repeat(pad % 7)}`;
      for (const cap of [10, 25, 35, 60]) {
        const { kept, emitted } = stream([...text].map((ch) => ch), cap);
        for (const out of [kept, emitted.join('')]) {
          for (let len = 6; len <= SECRET.length; len++) expect(out).not.toContain(SECRET.slice(0, len).slice(-6));
        }
        // The kept text is at most the cap, after the mark that says the front was cut.
        expect(kept.replace(/^… \[cut: \d+ bytes\] /, '').length).toBeLessThanOrEqual(cap);
      }
    }
  });

  it('holds output back when a secret spans lines, so it is never split between chunks', () => {
    const key = 'line1-of-key\nline2-of-key';
    const { emitted } = stream(['-----BEGIN\nline1-of-key\n', 'line2-of-key\n-----END\n'], 1000, [key]);
    expect(emitted.join('')).toBe('-----BEGIN\n[REDACTED]\n-----END\n');
  });
});
