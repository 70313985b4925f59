import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/plan/quote.js';
import { displayText, resolveText } from '../../src/plan/text.js';

const nasty = ["a'b", '$(touch /tmp/x)', '`id`', 'a;b', 'a\nb', '"q"', '', ' ', '\\', '*', '$HOME', "'", "''"];

describe('shellQuote', () => {
  it('leaves safe words bare', () => {
    expect(shellQuote('https://10.0.0.1:2380')).toBe('https://10.0.0.1:2380');
    expect(shellQuote('cp-1')).toBe('cp-1');
  });

  it.each(nasty)('round-trips %j through a real shell unchanged', (value) => {
    const out = execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(value)}`]).toString();
    expect(out).toBe(value);
  });
});

describe('resolveText', () => {
  const text = { parts: [{ t: 'lit' as const, v: 'echo ' }, { t: 'ref' as const, ref: 'steps.join.stdout', quote: true, secret: true }] };

  it('quotes ref values and hides secrets in the display form', () => {
    expect(resolveText(text, () => "tok'en")).toBe(`echo 'tok'\\''en'`);
    expect(displayText(text)).toBe('echo <secret:steps.join.stdout>');
  });

  it('refuses to run with a missing value', () => {
    expect(() => resolveText(text, () => undefined)).toThrow(/no run-time value/);
  });
});
