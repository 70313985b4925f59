import { fdatasyncSync, fstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_FILE, genesisHash, HEAD_FILE, sha256Hex } from '../../src/audit/chain.js';
import { readAuditRecords } from '../../src/audit/read.js';
import { createAuditSink } from '../../src/audit/sink.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { sampleRun } from './events.js';

const dirs: string[] = [];
const runDirFor = (runId: string): string => {
  const base = mkdtempSync(join(tmpdir(), 'kubedr-audit-'));
  dirs.push(base);
  return join(base, 'runs', runId);
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const who = { user: 'alice', host: 'ops-laptop' };

describe('audit sink', () => {
  it('writes one chained record per audit-worthy event, first linked to the genesis of its run', () => {
    const runDir = runDirFor('run-1');
    const sink = createAuditSink({ runDir, who, subject: { runbook: { name: 'etcd-restore', hash: 'r'.repeat(64) }, inventoryHash: 'i'.repeat(64) } });
    const script = sampleRun();
    for (const e of script.events) sink.onEvent(e);
    sink.close();
    const lines = readFileSync(join(runDir, AUDIT_FILE), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(script.events.filter((e) => e.kind !== 'task-output').length);
    const recs = readAuditRecords(runDir);
    expect(recs[0]).toMatchObject({ v: 1, seq: 0, prev: genesisHash('run-1'), type: 'run-start', who, runbookHash: 'r'.repeat(64), inventoryHash: 'i'.repeat(64), mode: 'run' });
    for (let i = 1; i < lines.length; i++) expect(recs[i]?.prev).toBe(sha256Hex(lines[i - 1] ?? ''));
    const end = recs.find((r) => r.type === 'task-end' && r.stepId === 'restore-etcd' && r.node === 'cp-2');
    expect(end).toMatchObject({ outcome: 'done', durationMs: 4800, exitCode: 0 });
    expect(recs.find((r) => r.type === 'approval')).toMatchObject({ approvedBy: 'alice', auto: false });
    expect(verifyAudit(runDir)).toMatchObject({ ok: true, records: lines.length });
  });

  it('continues the chain when reopened (resume, rollback), and records those modes', () => {
    const runDir = runDirFor('run-2');
    const first = createAuditSink({ runDir, who });
    first.onEvent({ kind: 'run-start', runId: 'run-2', mode: 'run', planHash: 'p', runbook: 'rb', cluster: 'c', at: '2026-01-01T00:00:00.000Z' });
    first.close();
    for (const mode of ['resume', 'rollback', 'rehearse', 'drill'] as const) {
      const again = createAuditSink({ runDir, who: { user: 'bob', host: 'h2' } });
      again.onEvent({ kind: 'run-start', runId: 'run-2', mode, planHash: 'p', runbook: 'rb', cluster: 'c', at: '2026-01-01T00:01:00.000Z' });
      again.onEvent({ kind: 'run-end', runId: 'run-2', outcome: 'done', durationMs: 5, at: '2026-01-01T00:01:00.005Z' });
      again.close();
    }
    expect(readAuditRecords(runDir).map((r) => r.type === 'run-start' && `${r.mode}:${r.who.user}`).filter(Boolean)).toEqual(['run:alice', 'resume:bob', 'rollback:bob', 'rehearse:bob', 'drill:bob']);
    expect(verifyAudit(runDir)).toMatchObject({ ok: true, records: 9 });
  });

  it('never writes a secret: not from free text, and not a command passed where a digest belongs', () => {
    const runDir = runDirFor('run-3');
    const token = 'abcdef.0123456789abcdef';
    const learned = 'captured-join-token-xyz';
    const sink = createAuditSink({ runDir, who, secrets: [token] });
    sink.onEvent({ kind: 'task-start', stepId: 's', node: 'n', attempt: 1, commandDigest: `kubeadm join --token ${token}`, at: 't' });
    sink.addSecrets([learned]);
    sink.onEvent({ kind: 'task-end', stepId: 's', node: 'n', outcome: 'failed', exitCode: 1, durationMs: 3, error: `bad token ${token} / ${learned}`, at: 't' });
    sink.onEvent({ kind: 'approval', stepId: 's', message: `join with ${learned}?`, approvedBy: 'alice', auto: true, at: 't' });
    sink.close();
    const text = readFileSync(join(runDir, AUDIT_FILE), 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(learned);
    expect(text).not.toContain('kubeadm');
    expect(readAuditRecords(runDir)[0]).toMatchObject({ commandDigest: `sha256:${sha256Hex(`kubeadm join --token ${token}`)}` });
    expect(verifyAudit(runDir).ok).toBe(true);
  });

  it('refuses to append after a torn last line, naming the file', () => {
    const runDir = runDirFor('run-4');
    const sink = createAuditSink({ runDir, who });
    sink.onEvent({ kind: 'phase-start', phase: 'p', at: 't' });
    sink.close();
    const file = join(runDir, AUDIT_FILE);
    writeFileSync(file, readFileSync(file, 'utf8') + '{"v":1,"seq":1');
    expect(() => createAuditSink({ runDir, who })).toThrow(expect.objectContaining({ code: 'AUDIT_TORN_TAIL', message: expect.stringContaining(file) as unknown }));
  });

  it('calls onRunEnd after each session ends and keeps (does not throw) a failing hook', () => {
    const runDir = runDirFor('run-5');
    const calls: string[] = [];
    const sink = createAuditSink({ runDir, who, fsync: false, onRunEnd: (dir) => {
      calls.push(dir);
      throw new Error('disk full');
    } });
    for (const e of sampleRun('run-5').events) sink.onEvent(e);
    expect(calls).toEqual([runDir]);
    expect(sink.lastHookError).toMatchObject({ message: 'disk full' });
    sink.close();
    expect(verifyAudit(runDir).ok).toBe(true);
  });

  it('does not scrub the chain or digests when a secret happens to occur inside a hash or timestamp', () => {
    const runDir = runDirFor('run-6');
    const secrets = [genesisHash('run-6').slice(10, 18), 'p'.repeat(8), '2026-11-23', 'alice'];
    const sink = createAuditSink({ runDir, who, fsync: false, secrets });
    for (const e of sampleRun('run-6').events) sink.onEvent(e);
    sink.close();
    expect(verifyAudit(runDir)).toMatchObject({ ok: true });
    const recs = readAuditRecords(runDir);
    // Structure is never redacted: who, approvedBy, types and phases stay as they are.
    expect(recs[0]).toMatchObject({ planHash: 'p'.repeat(64), at: '2026-11-23T16:00:00.000Z', who: { user: 'alice' } });
    expect(recs.find((r) => r.type === 'approval')).toMatchObject({ approvedBy: 'alice' });
  });

  it('a secret equal to a word of the record structure (step) blanks free text only, never a type or a phase', () => {
    const runDir = runDirFor('run-8');
    const sink = createAuditSink({ runDir, who, fsync: false, secrets: ['step', 'restore'] });
    for (const e of sampleRun('run-8').events) sink.onEvent(e);
    sink.onEvent({ kind: 'task-end', stepId: 'restore-etcd', node: 'cp-1', outcome: 'failed', durationMs: 1, error: 'step restore failed', at: 't' });
    sink.close();
    const recs = readAuditRecords(runDir);
    expect(recs.map((r) => r.type)).toContain('step-start');
    expect(recs.some((r) => String(r.type).includes('REDACTED'))).toBe(false);
    expect(recs.find((r) => r.type === 'phase-start')).toMatchObject({ phase: 'prepare' });
    expect(recs.at(-1)).toMatchObject({ stepId: 'restore-etcd', error: '[REDACTED] [REDACTED] failed' });
    expect(verifyAudit(runDir).ok).toBe(true);
  });

  it('continues a long log (tail read in chunks) without breaking the chain', () => {
    const runDir = runDirFor('run-7');
    const first = createAuditSink({ runDir, who, fsync: false });
    for (let i = 0; i < 600; i++) first.onEvent({ kind: 'phase-start', phase: `phase-${i}-${'x'.repeat(150)}`, at: 't' });
    first.close();
    expect(readFileSync(join(runDir, AUDIT_FILE)).length).toBeGreaterThan(64 * 1024);
    const again = createAuditSink({ runDir, who, fsync: false });
    again.onEvent({ kind: 'phase-end', phase: 'p', at: 't' });
    again.close();
    expect(verifyAudit(runDir)).toMatchObject({ ok: true, records: 601 });
  });
  it('writes every record at once but group-commits its fdatasync: one round per event-loop turn, and at run-end and close', async () => {
    const runDir = runDirFor('run-sync');
    const sink = createAuditSink({ runDir, who });
    const script = sampleRun();
    const body = script.events.filter((e) => e.kind !== 'run-end');
    for (const e of body) sink.onEvent(e);
    // Already in the file (a kill -9 of kubedr loses nothing), not yet fdatasync'd.
    const written = readFileSync(join(runDir, AUDIT_FILE), 'utf8').trimEnd().split('\n');
    expect(written).toHaveLength(body.filter((e) => e.kind !== 'task-output').length);
    expect(sink.syncs).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(sink.syncs).toBe(1);
    const end = script.events.find((e) => e.kind === 'run-end');
    if (end) sink.onEvent(end);
    expect(sink.syncs).toBe(2);
    sink.onEvent(body[0] as (typeof body)[number]);
    sink.close();
    expect(sink.syncs).toBe(3);
    await new Promise((r) => setImmediate(r));
    expect(sink.syncs).toBe(3);
  });
});

describe('audit durability', () => {
  it('every record is fdatasync\'d (log and head) before the run-end returns and at the end of each turn', async () => {
    const runDir = runDirFor('run-sync');
    const synced: { fd: number; size: number }[] = [];
    const datasync = (fd: number): void => {
      synced.push({ fd, size: fstatSync(fd).size });
      fdatasyncSync(fd);
    };
    const sink = createAuditSink({ runDir, who, datasync });
    const events = sampleRun().events;
    const runEnd = events.findIndex((e) => e.kind === 'run-end');
    sink.onEvent(events[0]!);
    // Group commit: the sync comes at the end of the event-loop turn, covering the whole file.
    await new Promise((r) => setImmediate(r));
    const logSize = (): number => statSync(join(runDir, AUDIT_FILE)).size;
    const headSize = (): number => statSync(join(runDir, HEAD_FILE)).size;
    const covered = (size: number, head: number): boolean => synced.some((s) => s.size === size) && synced.some((s) => s.size === head);
    expect(covered(logSize(), headSize())).toBe(true);
    synced.length = 0;
    for (const e of events.slice(1, runEnd + 1)) sink.onEvent(e);
    // The run-end record is on disk synchronously, before anything is derived from it.
    expect(covered(logSize(), headSize())).toBe(true);
    expect(new Set(synced.map((s) => s.fd)).size).toBe(3); // log, head and head signature
    sink.close();
  });
});
