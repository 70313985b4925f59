// `kubedr audit --verify`: re-walks the hash chain over the exact bytes on disk and names the
// first line that does not fit. Any edit (changed byte, removed, reordered, inserted or cut-off
// lines) breaks either a line's own seal, the link to its predecessor, or the head pointer.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { auditKeyPath, loadAuditKey, signHead, SIG_FILE, type AuditKey } from './key.js';
import { AUDIT_FILE, genesisHash, HEAD_FILE, lineSealIsValid, parseHead, sha256Hex } from './chain.js';

export interface AuditVerdict {
  ok: boolean;
  file: string;
  /** Lines that verified before the first problem (all of them when ok). */
  records: number;
  /** sha256 of the last line: record it elsewhere (ticket, CI log) to anchor the whole chain. */
  headHash: string;
  /** 1-based line number of the first bad line; 0 for problems with the file as a whole. */
  firstBadLine?: number;
  reason?: string;
  /** What the log was verified against, in words (for the report and the CLI). */
  against?: string;
}

export interface VerifyOptions {
  /** @default basename(runDir) */
  runId?: string;
  /** A head hash recorded out of band; the log must end exactly there. */
  expectHead?: string;
  /** Key the head must be signed with. @default the key at auditKeyPath(process.env), if any */
  key?: AuditKey | false;
}

export function verifyAudit(runDir: string, opts: VerifyOptions = {}): AuditVerdict {
  const file = join(runDir, AUDIT_FILE);
  const runId = opts.runId ?? basename(runDir);
  if (!existsSync(file)) return { ok: false, file, records: 0, headHash: '', firstBadLine: 0, reason: 'no audit log' };
  const bytes = readFileSync(file);
  const verdict = verifyAuditText(bytes.toString('utf8'), runId, file);
  if (!verdict.ok) return verdict;
  if (!bytes.equals(Buffer.from(bytes.toString('utf8'), 'utf8'))) {
    return { ...verdict, ok: false, firstBadLine: 0, reason: 'the file is not valid UTF-8' };
  }
  const headPath = join(runDir, HEAD_FILE);
  const head = existsSync(headPath) ? parseHead(readFileSync(headPath, 'utf8')) : undefined;
  const last = verdict.records - 1;
  if (verdict.records > 0 && !head) return { ...verdict, ok: false, firstBadLine: 0, reason: `head pointer ${HEAD_FILE} is missing or malformed` };
  if (head && (head.seq !== last || head.hash !== verdict.headHash)) {
    const reason = head.seq > last ? `the log ends at record ${last} but the head pointer says ${head.seq}: records were cut off the end` : `the head pointer (record ${head.seq}) does not match the last line`;
    return { ...verdict, ok: false, firstBadLine: Math.min(head.seq, last) + 2, reason };
  }
  if (opts.expectHead !== undefined && opts.expectHead !== verdict.headHash) {
    return { ...verdict, ok: false, firstBadLine: 0, reason: `the log ends at ${verdict.headHash.slice(0, 12)}…, expected ${opts.expectHead.slice(0, 12)}…` };
  }
  const chain = `its hash chain (${verdict.records} records)${opts.expectHead !== undefined ? ' and the expected head' : ''}`;
  const key = opts.key === false ? undefined : (opts.key ?? loadAuditKey(auditKeyPath(process.env), { create: false }));
  if (!key) return { ...verdict, against: `${chain} only: no signing key here, so a rewrite with recomputed hashes would pass (pass --expect-head)` };
  if (verdict.records === 0) return { ...verdict, against: chain };
  const sigPath = join(runDir, SIG_FILE);
  const sig = existsSync(sigPath) ? readFileSync(sigPath, 'utf8').trim() : '';
  if (sig === '') return { ...verdict, ok: false, firstBadLine: 0, reason: `the head is not signed (${SIG_FILE} is missing): the log was rewritten, or written without the key ${key.path}` };
  if (sig !== signHead(key.key, runId, { seq: verdict.records - 1, hash: verdict.headHash })) {
    return { ...verdict, ok: false, firstBadLine: 0, reason: `the head signature does not match the key ${key.path}: the log was rewritten (hashes recomputed), or signed with another key` };
  }
  return { ...verdict, against: `${chain} and its head signature (HMAC-SHA256, key ${key.path})` };
}

/** Pure chain check over the text of a log. */
export function verifyAuditText(text: string, runId: string, file = AUDIT_FILE): AuditVerdict {
  let prev = genesisHash(runId);
  let headHash = '';
  if (text === '') return { ok: true, file, records: 0, headHash };
  const bad = (line: number, records: number, reason: string): AuditVerdict => ({ ok: false, file, records, headHash, firstBadLine: line, reason });
  const lines = text.split('\n');
  const tail = lines.pop();
  if (tail !== '') return checkTorn(lines, tail ?? '', runId, file);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const n = i + 1;
    if (!lineSealIsValid(line)) return bad(n, i, 'the line does not match its own hash (edited, or not an audit record)');
    let rec: { v?: unknown; seq?: unknown; prev?: unknown; runId?: unknown };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      return bad(n, i, 'not valid JSON');
    }
    if (rec.v !== 1) return bad(n, i, `unknown record version ${JSON.stringify(rec.v)}`);
    if (rec.runId !== runId) return bad(n, i, `record belongs to run ${JSON.stringify(rec.runId)}, not ${runId}`);
    if (rec.prev !== prev) return bad(n, i, n === 1 ? 'the first record does not start the chain (lines removed or inserted before it)' : 'does not follow the previous line (a line was removed, inserted or reordered, or the previous line was edited)');
    if (rec.seq !== i) return bad(n, i, `sequence number ${String(rec.seq)} where ${i} was expected`);
    prev = sha256Hex(line);
    headHash = prev;
  }
  return { ok: true, file, records: lines.length, headHash };
}

function checkTorn(lines: string[], tail: string, runId: string, file: string): AuditVerdict {
  const whole = verifyAuditText(lines.length ? `${lines.join('\n')}\n` : '', runId, file);
  if (!whole.ok) return whole;
  return { ...whole, ok: false, firstBadLine: lines.length + 1, reason: `the last line is incomplete (${tail.length} bytes, no newline): the file was truncated or a write was torn` };
}
