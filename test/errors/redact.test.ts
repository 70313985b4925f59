import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, REDACTED, redactDeep, redactSecrets, redactText, weakSecretReason } from '../../src/errors/redact.js';

describe('redactSecrets', () => {
  it('replaces every occurrence', () => {
    expect(redactSecrets('tok=s3cret-tok and again s3cret-tok.', ['s3cret-tok'])).toBe(`tok=${REDACTED} and again ${REDACTED}.`);
  });

  it('handles several secrets, longest first, including one inside another', () => {
    expect(redactSecrets('a abcd1234 b abcd c', ['abcd', 'abcd1234'])).toBe(`a ${REDACTED} b ${REDACTED} c`);
  });

  it('covers overlapping secrets completely (no tail of either survives)', () => {
    const out = redactSecrets('x abcd1234wxyz y', ['abcd1234', '1234wxyz']);
    expect(out).toBe(`x ${REDACTED} y`);
    expect(out).not.toMatch(/abcd|wxyz|1234/);
  });

  it('covers self-overlapping occurrences', () => {
    expect(redactSecrets('aaaaa', ['aaaa'])).toBe(REDACTED);
  });

  it('redacts every non-empty secret whatever its length (weak ones are refused at input instead)', () => {
    expect(MIN_SECRET_LENGTH).toBe(1);
    expect(redactSecrets('token abc in abcd', ['', 'abc'])).toBe(`token ${REDACTED} in ${REDACTED}d`);
  });

  it.each([
    ['abc', /3 character/],
    ['step', /4 character/],
    ['aaaaaaaaaaaa', /repeats one character/],
    ['task-end', /common word/],
    ['Password', /common word/],
  ])('refuses %j as a secret it cannot redact safely', (v, why) => expect(weakSecretReason(v)).toMatch(why));

  it('accepts a real token', () => expect(weakSecretReason('abcdef.0123456789abcdef')).toBeUndefined());

  it('redacts free text only, never the structure of a record', () => {
    const rec = { type: 'step-start', stepId: 'step', phase: 'step', error: 'step failed: step' };
    expect(redactText(rec, ['step'])).toEqual({ type: 'step-start', stepId: 'step', phase: 'step', error: `${REDACTED} failed: ${REDACTED}` });
  });

  it('never re-scans a replacement (a secret that looks like the marker)', () => {
    expect(redactSecrets('[REDACTED] DACT', ['DACT'])).toBe(`[RE${REDACTED}ED] ${REDACTED}`);
  });

  it('redacts strings deep inside objects without touching other values', () => {
    expect(redactDeep({ a: ['pre tokentoken post'], n: 3, b: { c: 'tokentoken' } }, ['tokentoken'])).toEqual({ a: [`pre ${REDACTED} post`], n: 3, b: { c: REDACTED } });
  });

  it('redacts a multi-line secret whole, and line by line where a sink splits lines', () => {
    const key = '-----BEGIN KEY-----\nMIIEabc123\nQUJDRA==xyz\n-----END KEY-----';
    expect(redactSecrets(`k=${key}!`, [key])).toBe(`k=${REDACTED}!`);
    expect(key.split('\n').map((l) => redactSecrets(`  out | ${l}`, [key]))).toEqual(Array(4).fill(`  out | ${REDACTED}`));
  });
});
