import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_FILE, HEAD_FILE } from '../../src/audit/chain.js';
import { createAuditSink } from '../../src/audit/sink.js';
import { verifyAudit, verifyAuditText } from '../../src/audit/verify.js';
import { EventScript } from './events.js';

let base: string;
let runDir: string;
let original: Buffer;
let lines: string[];

// A small log (6 records) so flipping every byte stays cheap.
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'kubedr-verify-'));
  runDir = join(base, 'run-v');
  const sink = createAuditSink({ runDir, who: { user: 'u', host: 'h' }, fsync: false });
  const s = new EventScript('run-v').start().phase('p', (x) => x.step('s1', 'p', { 'cp-1': { ms: 10 } })).end();
  for (const e of s.events.filter((e) => e.kind !== 'phase-start' && e.kind !== 'phase-end')) sink.onEvent(e);
  sink.close();
  original = readFileSync(join(runDir, AUDIT_FILE));
  lines = original.toString('utf8').trimEnd().split('\n');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const withLog = (content: string | Buffer, fn: () => void): void => {
  writeFileSync(join(runDir, AUDIT_FILE), content);
  try {
    fn();
  } finally {
    writeFileSync(join(runDir, AUDIT_FILE), original);
  }
};
const lineOfByte = (i: number): number => original.subarray(0, i).toString('latin1').split('\n').length;

describe('verifyAudit', () => {
  it('accepts the untouched log and reports its head hash', () => {
    const v = verifyAudit(runDir);
    expect(v).toMatchObject({ ok: true, records: lines.length });
    expect(v.headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(lines.length).toBe(6);
  });

  it('detects every single-byte change and names the line holding that byte', () => {
    const misses: number[] = [];
    const wrongLine: string[] = [];
    for (let i = 0; i < original.length; i++) {
      const copy = Buffer.from(original);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      const v = verifyAuditText(copy.toString('utf8'), 'run-v');
      if (v.ok) misses.push(i);
      // A flipped newline merges/splits lines; the first bad line is still the one it belonged to.
      else if (v.firstBadLine !== lineOfByte(i)) wrongLine.push(`byte ${i}: line ${v.firstBadLine} vs ${lineOfByte(i)}`);
    }
    expect(misses).toEqual([]);
    expect(wrongLine).toEqual([]);
  });

  it('detects a changed byte through the file API too', () => {
    const copy = Buffer.from(original);
    const i = original.indexOf('"durationMs":10') + 14;
    copy[i] = '9'.charCodeAt(0);
    withLog(copy, () => expect(verifyAudit(runDir)).toMatchObject({ ok: false, firstBadLine: 4 }));
  });

  it.each([1, 3, 6])('detects line %i removed', (n) => {
    const text = lines.filter((_, i) => i !== n - 1).join('\n') + '\n';
    withLog(text, () => expect(verifyAudit(runDir)).toMatchObject({ ok: false, firstBadLine: n === 6 ? 6 : n }));
  });

  it('detects two lines swapped', () => {
    const l = [...lines];
    [l[2], l[3]] = [l[3] ?? '', l[2] ?? ''];
    withLog(l.join('\n') + '\n', () => expect(verifyAudit(runDir)).toMatchObject({ ok: false, firstBadLine: 3 }));
  });

  it('detects a line inserted (a copy of a valid line)', () => {
    const l = [...lines];
    l.splice(2, 0, lines[1] ?? '');
    withLog(l.join('\n') + '\n', () => expect(verifyAudit(runDir)).toMatchObject({ ok: false, firstBadLine: 3 }));
  });

  it('detects truncation in the middle of a line', () => {
    withLog(original.subarray(0, original.length - 20), () => expect(verifyAudit(runDir)).toMatchObject({ ok: false, firstBadLine: 6, reason: expect.stringContaining('incomplete') as unknown }));
  });

  it('detects whole lines cut off the end through the head pointer', () => {
    withLog(lines.slice(0, 4).join('\n') + '\n', () => expect(verifyAudit(runDir)).toMatchObject({ ok: false, records: 4, firstBadLine: 5, reason: expect.stringContaining('cut off') as unknown }));
    withLog('', () => expect(verifyAudit(runDir).ok).toBe(false));
  });

  it('fails when the head pointer is deleted, or when an out-of-band head does not match', () => {
    const head = readFileSync(join(runDir, HEAD_FILE));
    rmSync(join(runDir, HEAD_FILE));
    try {
      expect(verifyAudit(runDir)).toMatchObject({ ok: false, reason: expect.stringContaining('head pointer') as unknown });
    } finally {
      writeFileSync(join(runDir, HEAD_FILE), head);
    }
    expect(verifyAudit(runDir, { expectHead: 'f'.repeat(64) }).ok).toBe(false);
    expect(verifyAudit(runDir, { expectHead: verifyAudit(runDir).headHash }).ok).toBe(true);
  });

  it('rejects a log copied under another run id', () => {
    expect(verifyAuditText(original.toString('utf8'), 'run-other')).toMatchObject({ ok: false, firstBadLine: 1 });
  });
});
