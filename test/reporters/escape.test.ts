// Hostile values on the operator's terminal: a raw ESC/CR/BS/C1/bidi control from an inventory
// value, a param or a node's output is shown escaped by every reporter and error message, never
// interpreted; output cut at the cap says so.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../src/cli/main.js';
import { OutputTail } from '../../src/engine/output.js';
import { Redactor } from '../../src/engine/redact.js';
import { escapeControls, escapeJsonControls } from '../../src/errors/escape.js';
import { InputError, KubedrError } from '../../src/errors/index.js';
import type { RunEvent } from '../../src/model/index.js';
import { createJsonReporter } from '../../src/reporters/json.js';
import { createListrReporter } from '../../src/reporters/listr.js';
import { formatEventLine } from '../../src/reporters/lines.js';
import { createPlainReporter } from '../../src/reporters/plain.js';
import { until } from '../helpers/until.js';

/** Every kind of control a hostile value or a node can send. */
const HOSTILE = [
  '\u001b[2J\u001b[H', // clear screen, cursor home
  '\u001b]0;owned\u0007', // OSC: set the window title
  'fake done\rreal', // CR: overwrite the line
  'abc\b\b\bxyz', // backspaces
  '\u009b31m', // C1 CSI
  '\u0085', // C1 NEL
  'evil\u202etxt.exe', // RTL override
  '\u2066iso\u2069', // bidi isolates
  '\u0000nul\u007fdel',
  '\u200bzero\ufeffwidth',
];
/** Raw characters that must never reach a terminal. */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/;
const AT = '2026-01-01T00:00:00.000Z';

function runEvents(v: string): RunEvent[] {
  return [
    { kind: 'run-start', runId: 'r1', runbook: `rb${v}`, cluster: `c${v}`, mode: 'run', planHash: 'p'.repeat(64), at: AT },
    { kind: 'phase-start', phase: 'main', at: AT },
    { kind: 'step-start', stepId: 's1', phase: 'main', nodes: ['n1'], at: AT },
    { kind: 'approval', stepId: 's1', message: `go ${v}?`, approvedBy: 'alice@h', auto: false, at: AT },
    { kind: 'task-start', stepId: 's1', node: 'n1', attempt: 1, at: AT },
    { kind: 'task-retry', stepId: 's1', node: 'n1', attempt: 2, delayMs: 10, reason: `flaky ${v}`, at: AT },
    { kind: 'task-output', stepId: 's1', node: 'n1', stream: 'stdout', chunk: `out ${v}\r\npart ${v}` },
    { kind: 'task-output', stepId: 's1', node: 'n1', stream: 'stderr', chunk: `err ${v}\n` },
    { kind: 'task-end', stepId: 's1', node: 'n1', outcome: 'failed', exitCode: 1, durationMs: 5, error: `exit code 1: ${v}`, at: AT },
    { kind: 'step-end', stepId: 's1', outcome: 'failed', at: AT },
    { kind: 'phase-end', phase: 'main', at: AT },
    { kind: 'run-end', runId: 'r1', outcome: 'failed', durationMs: 9, at: AT },
  ] as RunEvent[];
}

describe('escapeControls', () => {
  it('shows each control as a visible escape and leaves text, tabs and newlines alone', () => {
    expect(escapeControls('a\u001b[2Jb\rc\bd\u009be\u202ef\u0007')).toBe('a\\x1b[2Jb\\rc\\bd\\x9be\\u202ef\\x07');
    expect(escapeControls('plain text\twith tab\nand ünïcödé ✓')).toBe('plain text\twith tab\nand ünïcödé ✓');
    expect(escapeControls('one\ntwo', { newlines: false })).toBe('one\\ntwo');
    for (const v of HOSTILE) expect(escapeControls(v)).not.toMatch(RAW);
  });

  it('is idempotent, so layers that both escape never double it', () => {
    for (const v of HOSTILE) expect(escapeControls(escapeControls(v))).toBe(escapeControls(v));
  });

  it('keeps JSON parseable to the same value while no raw C1/bidi is left in the text', () => {
    for (const v of HOSTILE) {
      const json = escapeJsonControls(JSON.stringify({ v }));
      expect(json).not.toMatch(RAW);
      expect((JSON.parse(json) as { v: string }).v).toBe(v);
    }
  });
});

describe.each(HOSTILE)('reporters with the hostile value %j', (v) => {
  it('plain: every line is free of raw controls and shows the escape', async () => {
    const out: string[] = [];
    const r = createPlainReporter({ write: (s) => out.push(s) });
    for (const e of runEvents(v)) r.onEvent(e);
    await r.close();
    const text = out.join('');
    expect(text).not.toMatch(RAW);
    expect(text).toContain(`out ${escapeControls(v, { newlines: false })}\n`);
    expect(text).toContain(`part ${escapeControls(v, { newlines: false })}\n`);
    expect(text).toContain(`flaky ${escapeControls(v)}`);
  });

  it('formatEventLine (drill and objects print it to stderr directly) escapes every event line', () => {
    for (const e of runEvents(v)) expect(formatEventLine(e) ?? '').not.toMatch(RAW);
  });

  it('json: each line parses back to the event, no raw control in the text', async () => {
    const out: string[] = [];
    const r = createJsonReporter({ write: (s) => out.push(s) });
    const events = runEvents(v);
    for (const e of events) r.onEvent(e);
    await r.close();
    const text = out.join('');
    expect(text).not.toMatch(RAW);
    expect(out.map((l) => JSON.parse(l) as RunEvent)).toEqual(events);
  });

  it('listr: titles, output and errors are escaped', async () => {
    const r = createListrReporter({ outline: { phases: [{ name: 'main', steps: [{ id: 's1', undoNodes: [] }] }] }, renderer: 'silent' });
    const events = runEvents(v);
    const outAt = events.findIndex((e) => e.kind === 'task-output');
    // Output is drawn under a node once listr2 has started its task.
    for (const e of events.slice(0, outAt)) r.onEvent(e);
    await until('the node to run', () => r.snapshotTree().includes('(retry 1: '));
    for (const e of events.slice(outAt, outAt + 2)) r.onEvent(e);
    await until('the node output to show', () => r.snapshotTree().includes(' > err'));
    const running = r.snapshotTree();
    for (const e of events.slice(outAt + 2)) r.onEvent(e);
    await r.close();
    const done = r.snapshotTree();
    expect(running).toContain(`err ${escapeControls(v, { newlines: false }).trim()}`);
    expect(running).toContain(`flaky ${escapeControls(v, { newlines: false })}`);
    expect(done).toContain(`exit code 1: ${escapeControls(v)}`);
    for (const t of [running, done]) expect(t).not.toMatch(RAW);
  });
});

describe('error messages on the terminal', () => {
  afterEach(() => vi.restoreAllMocks());
  const stderrOf = (err: unknown): string => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (out.push(String(s)), true));
    reportError(err);
    return out.join('');
  };

  it.each(HOSTILE)('KubedrError, InputError problems and internal errors escape %j', (v) => {
    const all = [
      stderrOf(new KubedrError('X_CODE', `bad value ${v}`, { hint: `use ${v}`, exitCode: 2 })),
      stderrOf(new InputError([{ code: 'P', severity: 'error', message: `m ${v}`, hint: `h ${v}`, pos: { file: `f${v}.yaml`, line: 1, col: 2 } }], `inventory ${v} is invalid`)),
      stderrOf(new Error(`boom ${v}`)),
    ];
    for (const t of all) {
      expect(t).not.toMatch(RAW);
      expect(t).toContain(escapeControls(v));
    }
  });
});

describe('output over the cap', () => {
  it('a line cut at the front says how many bytes went', () => {
    const emitted: string[] = [];
    const tail = new OutputTail(new Redactor(), 100, (c) => emitted.push(c));
    tail.push(`${'é'.repeat(150)}${'x'.repeat(250)}\n`);
    tail.push('short\n');
    const kept = tail.finish();
    const line = emitted.join('').split('\n')[0] ?? '';
    // 150 two-byte characters and 151 x dropped (the newline is kept): bytes, not characters.
    expect(line).toBe(`… [cut: 451 bytes] ${'x'.repeat(99)}`);
    expect(emitted.join('')).toContain('\nshort\n');
    expect(kept).toMatch(/^… \[cut: \d+ bytes\] x+\nshort\n$/);
  });

  it('output within the cap carries no mark', () => {
    const emitted: string[] = [];
    const tail = new OutputTail(new Redactor(), 100, (c) => emitted.push(c));
    tail.push('fits\n');
    expect(tail.finish()).toBe('fits\n');
    expect(emitted.join('')).toBe('fits\n');
  });
});
