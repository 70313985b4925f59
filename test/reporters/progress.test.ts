// Progress in each reporter, from hand-made events (their `at` is the only clock involved).
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/model/index.js';
import { createJsonReporter } from '../../src/reporters/json.js';
import { createListrReporter } from '../../src/reporters/listr.js';
import { createPlainReporter } from '../../src/reporters/plain.js';
import { formatBytes, formatProgress } from '../../src/reporters/progress.js';

const GiB = 1024 ** 3;
const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

/** An upload of 4 GiB on cp-1, one progress event per second for 30 s. */
function uploadEvents(): RunEvent[] {
  const ev: RunEvent[] = [
    { kind: 'run-start', runId: 'r1', mode: 'run', planHash: 'ab'.repeat(32), runbook: 'ha-restore', cluster: 'c', at: at(0) },
    { kind: 'phase-start', phase: 'stage', at: at(0) },
    { kind: 'step-start', stepId: 'upload-snapshot', phase: 'stage', nodes: ['cp-1'], at: at(0) },
    { kind: 'task-start', stepId: 'upload-snapshot', node: 'cp-1', attempt: 1, commandDigest: 'd', at: at(0) },
  ];
  for (let s = 1; s <= 30; s++) {
    const bytes = s * 100 * 1024 ** 2;
    ev.push({ kind: 'task-progress', stepId: 'upload-snapshot', node: 'cp-1', at: at(s * 1000), what: 'upload', bytes, totalBytes: 4 * GiB, bytesPerSec: 100 * 1024 ** 2, etaMs: Math.round(((4 * GiB - bytes) / (100 * 1024 ** 2)) * 1000), elapsedMs: s * 1000 });
  }
  return ev;
}

describe('formatProgress', () => {
  it('bytes, percentage, rate and ETA; or a wait against its timeout', () => {
    expect(formatProgress({ what: 'upload', bytes: 1.5 * GiB, totalBytes: 4 * GiB, bytesPerSec: 85 * 1024 ** 2, etaMs: 30_100, elapsedMs: 18_000 })).toBe('upload 1.50 GiB / 4.00 GiB (37%), 85.0 MiB/s, ETA 30.1s');
    expect(formatProgress({ what: 'download', bytes: 512, elapsedMs: 1000 })).toBe('download 512 B');
    expect(formatProgress({ what: 'wait', elapsedMs: 12_000, timeoutMs: 300_000, polls: 9 })).toBe('waiting 12.0s of 5m00s (9 polls)');
    expect(formatBytes(1536)).toBe('1.50 KiB');
  });
});

describe('plain reporter', () => {
  it('prints the first progress line of a task, then one every 10 s of event time', () => {
    const out: string[] = [];
    const r = createPlainReporter({ write: (s) => out.push(s) });
    for (const e of uploadEvents()) r.onEvent(e);
    const lines = out.join('').split('\n').filter((l) => l.includes('upload-snapshot@cp-1 upload'));
    expect(lines).toEqual([
      '  upload-snapshot@cp-1 upload 100 MiB / 4.00 GiB (2%), 100 MiB/s, ETA 40.0s',
      '  upload-snapshot@cp-1 upload 1.07 GiB / 4.00 GiB (26%), 100 MiB/s, ETA 30.0s',
      '  upload-snapshot@cp-1 upload 2.05 GiB / 4.00 GiB (51%), 100 MiB/s, ETA 20.0s',
    ]);
  });
});

describe('json reporter', () => {
  it('passes progress events through, at most one per task every 2 s', () => {
    const out: string[] = [];
    const r = createJsonReporter({ write: (s) => out.push(s) });
    for (const e of uploadEvents()) r.onEvent(e);
    const progress = out.map((l) => JSON.parse(l) as RunEvent).filter((e) => e.kind === 'task-progress');
    expect(progress).toHaveLength(15);
    expect(progress[0]).toMatchObject({ kind: 'task-progress', node: 'cp-1', what: 'upload', bytes: 100 * 1024 ** 2, totalBytes: 4 * GiB, etaMs: 39_960 });
  });
});

describe('listr reporter', () => {
  it('shows bytes, rate and ETA under the running node', async () => {
    const r = createListrReporter({ outline: { phases: [{ name: 'stage', steps: [{ id: 'upload-snapshot', undoNodes: [] }] }] }, renderer: 'silent' });
    for (const e of uploadEvents()) r.onEvent(e);
    // listr2 builds the node's task asynchronously: send the last progress again until it shows.
    const last = uploadEvents().at(-1) as RunEvent;
    for (let i = 0; i < 100 && !r.snapshotTree().includes('ETA'); i++) {
      await new Promise((res) => setImmediate(res));
      r.onEvent(last);
    }
    expect(r.snapshotTree()).toContain('STARTED cp-1 > upload 2.93 GiB / 4.00 GiB (73%), 100 MiB/s, ETA 11.0s');
    await r.close();
  });
});
