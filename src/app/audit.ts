// Use-cases behind `kubedr audit <run-id>` (grid, JSON, JUnit, HTML report) and
// `kubedr audit --verify <run-id>`. Plain options in, data plus rendered text out; the CLI prints.
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { KubedrError } from '../errors/index.js';
import {
  buildGrid, gridToJson, readAuditRecords, renderGridText, renderHtmlReport, renderJunit, verifyAudit,
  AUDIT_FILE, type AuditGrid, type AuditVerdict,
} from '../audit/index.js';

/** @default '.kubedr' */
import { DEFAULT_STATE_DIR } from './state.js';
export const REPORT_FILE = 'report.html';

export interface AuditOptions {
  runId: string;
  /** @default '.kubedr' */
  stateDir?: string;
  /** @default 'text' */
  output?: 'text' | 'json';
  /** Also write JUnit XML to this path. */
  junit?: string;
  /** Also (re)write report.html in the run directory. @default false */
  html?: boolean;
  /** Injected clock for the report footer. */
  now?: () => Date;
}

export interface AuditResult {
  grid: AuditGrid;
  verdict: AuditVerdict;
  /** What the CLI prints on stdout. */
  rendered: string;
  files: string[];
}

export class RunNotFoundError extends KubedrError {
  constructor(runId: string, runDir: string) {
    super('AUDIT_RUN_NOT_FOUND', `no such run: ${runId} (no audit log at ${join(runDir, AUDIT_FILE)})`, {
      hint: 'list runs with `kubedr runs`, or pass --state-dir if the run used another state directory',
      exitCode: 2,
    });
  }
}

export function runDirOf(stateDir: string, runId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(runId) || runId === '.' || runId === '..') {
    throw new KubedrError('AUDIT_BAD_RUN_ID', `run id ${JSON.stringify(runId)} is not a run id`, { hint: 'use an id printed by `kubedr runs`', exitCode: 2 });
  }
  return join(stateDir, 'runs', runId);
}

export function auditRun(opts: AuditOptions): AuditResult {
  const runDir = runDirOf(opts.stateDir ?? DEFAULT_STATE_DIR, opts.runId);
  if (!existsSync(join(runDir, AUDIT_FILE))) throw new RunNotFoundError(opts.runId, runDir);
  const verdict = verifyAudit(runDir, { runId: opts.runId });
  const grid = buildGrid(readAuditRecords(runDir), opts.runId);
  const files: string[] = [];
  if (opts.junit !== undefined) {
    writeFileSync(opts.junit, renderJunit(grid));
    files.push(opts.junit);
  }
  if (opts.html) files.push(writeReport(runDir, grid, verdict, opts.now ?? (() => new Date())));
  const rendered = opts.output === 'json'
    ? `${JSON.stringify({ verified: verdictJson(verdict), ...(gridToJson(grid) as object) }, null, 2)}\n`
    : `${renderGridText(grid)}\n${verdictLine(verdict)}\n`;
  return { grid, verdict, rendered, files };
}

export interface VerifyResult {
  verdict: AuditVerdict;
  rendered: string;
  /** 0 when the chain holds, 1 when it does not: the CLI uses it as the exit code. */
  exitCode: number;
}

export function verifyRun(opts: { runId: string; stateDir?: string; expectHead?: string; output?: 'text' | 'json' }): VerifyResult {
  const runDir = runDirOf(opts.stateDir ?? DEFAULT_STATE_DIR, opts.runId);
  if (!existsSync(join(runDir, AUDIT_FILE))) throw new RunNotFoundError(opts.runId, runDir);
  const verdict = verifyAudit(runDir, { runId: opts.runId, ...(opts.expectHead !== undefined ? { expectHead: opts.expectHead } : {}) });
  const rendered = opts.output === 'json' ? `${JSON.stringify(verdictJson(verdict))}\n` : `${verdictLine(verdict)}\n`;
  return { verdict, rendered, exitCode: verdict.ok ? 0 : 1 };
}

/**
 * Writes report.html beside the journal. Pass `(runDir) => writeReportIn(runDir)` as the audit
 * sink's onRunEnd so every session (run, resume, rollback) refreshes it.
 */
export function writeReportIn(runDir: string, now: () => Date = () => new Date()): string {
  return writeReport(runDir, buildGrid(readAuditRecords(runDir), basename(runDir)), verifyAudit(runDir), now);
}

/** Writes report.html for a run by id (e.g. `kubedr audit <run-id> --html`). */
export function writeRunReport(opts: { runId: string; stateDir?: string; now?: () => Date }): string {
  const runDir = runDirOf(opts.stateDir ?? DEFAULT_STATE_DIR, opts.runId);
  if (!existsSync(join(runDir, AUDIT_FILE))) throw new RunNotFoundError(opts.runId, runDir);
  return writeReport(runDir, buildGrid(readAuditRecords(runDir), opts.runId), verifyAudit(runDir, { runId: opts.runId }), opts.now ?? (() => new Date()));
}

function writeReport(runDir: string, grid: AuditGrid, verdict: AuditVerdict, now: () => Date): string {
  const file = join(runDir, REPORT_FILE);
  writeFileSync(file, renderHtmlReport(grid, { verdict, generatedAt: now().toISOString() }));
  return file;
}

function verdictLine(v: AuditVerdict): string {
  return v.ok
    ? `audit log verified: ${v.records} records, head ${v.headHash}${v.against ? `; checked ${v.against}` : ''}`
    : `audit log NOT verified: ${v.file} line ${v.firstBadLine ?? '?'}: ${v.reason ?? 'unknown problem'}`;
}

function verdictJson(v: AuditVerdict): object {
  return { ok: v.ok, file: v.file, records: v.records, headHash: v.headHash, firstBadLine: v.firstBadLine ?? null, reason: v.reason ?? null, against: v.against ?? null };
}
