// The audit sink: turns RunEvents into hash-chained, fsync'd JSONL records in
// <runDir>/audit.jsonl. Reopening an existing log (resume, rollback) continues its chain.
import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunEvent } from '../model/index.js';
import { KubedrError } from '../errors/index.js';
import { AUDIT_FILE, formatHead, genesisHash, HEAD_FILE, sealLine, sha256Hex } from './chain.js';
import { auditKeyPath, loadAuditKey, signHead, SIG_FILE, type AuditKey } from './key.js';
import { auditBodyOf, type AuditSubject, type Operator } from './record.js';
import { redactText, secretsOf, type SecretSource } from '../errors/redact.js';

export interface AuditSinkOptions {
  /** `<stateDir>/runs/<run-id>`; created if missing. */
  runDir: string;
  /** @default basename(runDir) */
  runId?: string;
  /** The operator; see operatorIdentity(). */
  who: Operator;
  /** Runbook and inventory hashes from the Plan, recorded on run-start records. */
  subject?: AuditSubject;
  /** Values scrubbed from every field before writing (defence in depth). */
  secrets?: SecretSource;
  /** fdatasync the log (group-committed, see createAuditSink). Only tests turn this off. @default true */
  fsync?: boolean;
  /** Makes an fd's data durable; injectable so a test can see what was synced when. @default fdatasyncSync */
  datasync?: (fd: number) => void;
  /** Signs the head (audit.sig); false only in tests that look at unsigned logs. @default the key at auditKeyPath(process.env), created on first use */
  signingKey?: AuditKey | false;
  /**
   * Called after each run-end record (the end of every session: run, resume, rollback…), e.g. to
   * write report.html. Errors it throws are kept in lastHookError, never thrown into the engine:
   * a derived report must not fail a run whose audit records are safely on disk.
   */
  onRunEnd?: (runDir: string) => void;
}

export interface AuditSink {
  readonly path: string;
  onEvent(event: RunEvent): void;
  /** Secrets learned during the run (a captured join token). */
  addSecrets(values: readonly string[]): void;
  /** Number of records in the log and the hash of its last line. */
  head(): { seq: number; hash: string };
  /** The error the onRunEnd hook threw last, if any. */
  readonly lastHookError: unknown;
  /** fdatasync rounds so far (for the benchmark and its test). */
  readonly syncs: number;
  close(): void;
}

export class AuditTornTailError extends KubedrError {
  constructor(path: string) {
    super('AUDIT_TORN_TAIL', `${path} ends in the middle of a record (a process died while writing it)`, {
      hint: `run \`kubedr audit --verify\`; keep the file as evidence and move it aside before resuming`,
    });
  }
}

/**
 * Opens (or creates) the run's audit log. Writes are synchronous on purpose: each record is in
 * the file, in event order, before the engine moves on, so it survives any crash of kubedr
 * itself (kill -9 included). The fdatasync that makes it survive a crash of the machine is
 * group-committed: one round (log + head) at the end of the event-loop turn, for every record
 * written in that turn, and at close. Two fdatasyncs per record blocked the event loop ~10 ms
 * per task event, most of a 50-host fan-out (bench/README.md).
 */
export function createAuditSink(opts: AuditSinkOptions): AuditSink {
  mkdirSync(opts.runDir, { recursive: true });
  const runId = opts.runId ?? basename(opts.runDir);
  const path = join(opts.runDir, AUDIT_FILE);
  const doSync = opts.fsync ?? true;
  const datasync = opts.datasync ?? fdatasyncSync;
  const extra: string[] = [];
  let { seq, prev } = tailOf(path, runId);
  const created = !existsSync(path);
  const fd = openSync(path, 'a');
  const headFd = openSync(join(opts.runDir, HEAD_FILE), existsSync(join(opts.runDir, HEAD_FILE)) ? 'r+' : 'w+');
  const signer = opts.signingKey === false ? undefined : (opts.signingKey ?? loadAuditKey(auditKeyPath(process.env), { create: true }));
  const sigFd = signer ? openSync(join(opts.runDir, SIG_FILE), existsSync(join(opts.runDir, SIG_FILE)) ? 'r+' : 'w+') : undefined;
  // New files are only durable once their directory entries are: fsync the directory once.
  if (created && doSync) syncDir(opts.runDir);
  let lastHookError: unknown;
  let closed = false;
  let syncs = 0;
  let pending: NodeJS.Immediate | undefined;
  // A failed deferred fdatasync is thrown from the next onEvent/close, as a direct one was.
  let syncError: unknown;
  const syncNow = (): void => {
    if (pending) clearImmediate(pending);
    pending = undefined;
    datasync(fd);
    datasync(headFd);
    if (sigFd !== undefined) datasync(sigFd);
    syncs++;
  };
  const syncLater = (): void => {
    try {
      syncNow();
    } catch (err) {
      syncError = err;
    }
  };
  const throwSyncError = (): void => {
    if (syncError === undefined) return;
    const cause = syncError;
    syncError = undefined;
    throw new KubedrError('AUDIT_WRITE_FAILED', `cannot fdatasync the audit log ${path}`, { cause });
  };

  return {
    path,
    onEvent(event) {
      if (closed) throw new KubedrError('AUDIT_CLOSED', `audit log ${path} is closed`);
      throwSyncError();
      const body = auditBodyOf(event, opts.subject ?? {}, sha256Hex);
      if (!body) return;
      const secrets = [...secretsOf(opts.secrets), ...extra];
      // Only free text is scrubbed (redactText): hashes, digests, record types, ids and outcomes
      // are structure, and scrubbing one that happens to equal a secret would corrupt the record.
      const { planHash, runbookHash, inventoryHash, commandDigest, ...text } = body as Record<string, unknown>;
      const digests = Object.fromEntries(Object.entries({ planHash, runbookHash, inventoryHash, commandDigest }).filter(([, v]) => v !== undefined));
      const record = { v: 1, seq, prev, runId, at: event.kind === 'task-output' ? '' : event.at, who: opts.who, ...redactText(text, secrets), ...digests };
      const line = sealLine(record);
      writeSync(fd, `${line}\n`);
      prev = sha256Hex(line);
      writeSync(headFd, formatHead({ seq, hash: prev }), 0);
      if (signer && sigFd !== undefined) writeSync(sigFd, `${signHead(signer.key, runId, { seq, hash: prev })}\n`, 0);
      if (doSync) pending ??= setImmediate(syncLater);
      seq++;
      // A session's last record is on disk before anything is derived from it.
      if (event.kind === 'run-end' && doSync) syncNow();
      if (event.kind === 'run-end' && opts.onRunEnd) {
        try {
          opts.onRunEnd(opts.runDir);
          lastHookError = undefined;
        } catch (err) {
          lastHookError = err;
        }
      }
    },
    addSecrets(values) {
      extra.push(...secretsOf(values));
    },
    head: () => ({ seq, hash: prev }),
    get lastHookError() {
      return lastHookError;
    },
    get syncs() {
      return syncs;
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        if (pending) syncNow();
        throwSyncError();
      } finally {
        closeSync(fd);
        closeSync(headFd);
        if (sigFd !== undefined) closeSync(sigFd);
      }
    },
  };
}

function syncDir(dir: string): void {
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Next seq and prev for an existing log; refuses to append after a torn (half-written) line. */
function tailOf(path: string, runId: string): { seq: number; prev: string } {
  if (!existsSync(path)) return { seq: 0, prev: genesisHash(runId) };
  const text = lastLines(path);
  if (text === '') return { seq: 0, prev: genesisHash(runId) };
  if (!text.endsWith('\n')) throw new AuditTornTailError(path);
  const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
  const last = text.slice(lastStart, -1);
  let seq: unknown;
  try {
    seq = (JSON.parse(last) as { seq?: unknown }).seq;
  } catch (err) {
    throw new KubedrError('AUDIT_UNREADABLE', `the last record of ${path} is not JSON`, { cause: err, hint: 'run `kubedr audit --verify`' });
  }
  if (typeof seq !== 'number') throw new KubedrError('AUDIT_UNREADABLE', `the last record of ${path} has no seq`, { hint: 'run `kubedr audit --verify`' });
  return { seq: seq + 1, prev: sha256Hex(last) };
}

/** The tail of the file holding at least its last complete line (reopening a long log is cheap). */
function lastLines(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    for (let want = 64 * 1024; ; want *= 4) {
      const len = Math.min(size, want);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      // Lines are ASCII-delimited, so a cut in the middle of a UTF-8 sequence only affects the
      // discarded head of the chunk.
      const text = buf.toString('utf8');
      if (len === size || text.lastIndexOf('\n', text.length - 2) >= 0) return text;
    }
  } finally {
    closeSync(fd);
  }
}
