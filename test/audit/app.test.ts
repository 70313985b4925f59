// The app-layer use-cases (src/app/audit.ts, src/app/runs.ts) over real files in a temp state dir.
// Kept under test/audit because that is the folder this work stream owns; mirrors src/app.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRun, verifyRun, writeReportIn, writeRunReport } from '../../src/app/audit.js';
import { listRuns } from '../../src/app/runs.js';
import { auditGrid } from '../../src/audit/grid.js';
import { createAuditSink } from '../../src/audit/sink.js';
import { EventScript, sampleRun } from './events.js';

let stateDir: string;
const write = (runId: string, s: EventScript): void => {
  const sink = createAuditSink({ runDir: join(stateDir, 'runs', runId), who: { user: 'alice', host: 'ops' }, fsync: false });
  for (const e of s.events) sink.onEvent(e);
  sink.close();
};

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'kubedr-app-audit-'));
  write('r-ok', sampleRun('r-ok'));
  write('r-crashed', new EventScript('r-crashed', Date.parse('2026-11-23T17:00:00.000Z')).start({ mode: 'drill' }).phase('p', (x) => x.step('a', 'p', { n1: {} })));
  write('r-resumed', new EventScript('r-resumed', Date.parse('2026-11-23T15:00:00.000Z')).start().phase('p', (x) => x.step('a', 'p', { n1: {} })));
  write('r-resumed', new EventScript('r-resumed', Date.parse('2026-11-23T15:30:00.000Z')).start({ mode: 'resume' }).phase('p', (x) => x.step('b', 'p', { n1: { outcome: 'failed' } })).end('failed'));
  mkdirSync(join(stateDir, 'runs', 'r-empty'));
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('listRuns', () => {
  it('lists every run newest first with runbook, cluster, mode, start, duration and outcome', () => {
    const { runs, rendered } = listRuns({ stateDir });
    expect(runs.map((r) => [r.id, r.mode, r.sessions.join('→'), r.outcome])).toEqual([
      ['r-crashed', 'drill', 'drill', 'incomplete'],
      ['r-ok', 'run', 'run', 'done'],
      ['r-resumed', 'run', 'run→resume', 'failed'],
      ['r-empty', '', '', 'no audit log'],
    ]);
    expect(runs[2]).toMatchObject({ runbook: 'etcd-restore', cluster: 'lab', startedAt: '2026-11-23T15:00:00.000Z' });
    expect(runs[2]?.durationMs).toBeGreaterThan(30 * 60_000);
    expect(rendered.split('\n')[0]).toMatch(/^RUN\s+RUNBOOK\s+CLUSTER\s+MODE\s+STARTED\s+DURATION\s+OUTCOME$/);
    expect(JSON.parse(listRuns({ stateDir, output: 'json' }).rendered)).toHaveLength(4);
    expect(listRuns({ stateDir: join(stateDir, 'nope') }).rendered).toBe('no runs\n');
  });
});

describe('auditRun / verifyRun', () => {
  it('renders the grid with the verdict, writes JUnit and report.html on request', () => {
    const junit = join(stateDir, 'r-ok.xml');
    const res = auditRun({ stateDir, runId: 'r-ok', junit, html: true, now: () => new Date('2026-11-23T18:00:00Z') });
    expect(res.verdict.ok).toBe(true);
    expect(res.rendered).toContain('restore-etcd');
    expect(res.rendered).toMatch(/audit log verified: \d+ records/);
    expect(readFileSync(junit, 'utf8')).toMatch(/^<\?xml/);
    expect(readFileSync(join(stateDir, 'runs', 'r-ok', 'report.html'), 'utf8')).toContain('Generated 2026-11-23T18:00:00.000Z');
    const json = JSON.parse(auditRun({ stateDir, runId: 'r-ok', output: 'json' }).rendered) as { verified: { ok: boolean }; steps: unknown[] };
    expect(json.verified.ok).toBe(true);
    expect(json.steps).toHaveLength(5);
    expect(writeRunReport({ stateDir, runId: 'r-resumed' })).toMatch(/report\.html$/);
    expect(auditGrid(join(stateDir, 'runs', 'r-resumed'))).toMatchObject({ runId: 'r-resumed', nodes: ['n1'], steps: [{ stepId: 'a' }, { stepId: 'b' }] });
  });

  it('fails verification after one byte of the audit log is changed, and says where', () => {
    const file = join(stateDir, 'runs', 'r-ok', 'audit.jsonl');
    const before = readFileSync(file);
    expect(verifyRun({ stateDir, runId: 'r-ok' }).exitCode).toBe(0);
    const after = Buffer.from(before);
    const i = before.indexOf('"exitCode":0');
    after[i + 11] = '1'.charCodeAt(0);
    writeFileSync(file, after);
    try {
      const v = verifyRun({ stateDir, runId: 'r-ok' });
      expect(v.exitCode).toBe(1);
      expect(v.rendered).toMatch(/NOT verified: .*audit\.jsonl line \d+: /);
      expect(auditRun({ stateDir, runId: 'r-ok' }).rendered).toContain('NOT verified');
    } finally {
      writeFileSync(file, before);
    }
  });

  it('names a missing run and refuses a run id that would escape the state dir (exit 2)', () => {
    expect(() => auditRun({ stateDir, runId: 'nope' })).toThrow(expect.objectContaining({ code: 'AUDIT_RUN_NOT_FOUND', exitCode: 2 }));
    expect(() => verifyRun({ stateDir, runId: '../x' })).toThrow(expect.objectContaining({ code: 'AUDIT_BAD_RUN_ID', exitCode: 2 }));
    expect(existsSync(join(stateDir, 'runs', 'nope'))).toBe(false);
  });

  it('writes report.html through the sink hook at the end of a session', () => {
    const runDir = join(stateDir, 'runs', 'r-hooked');
    const sink = createAuditSink({ runDir, who: { user: 'u', host: 'h' }, fsync: false, onRunEnd: (dir) => writeReportIn(dir, () => new Date('2026-11-23T19:00:00Z')) });
    for (const e of sampleRun('r-hooked').events) sink.onEvent(e);
    sink.close();
    expect(sink.lastHookError).toBeUndefined();
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('Audit chain verified');
    expect(html).toContain('Generated 2026-11-23T19:00:00.000Z');
  });
});
