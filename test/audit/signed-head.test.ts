// The head signature: a log rewritten with every hash recomputed still passes the unkeyed chain
// check, but not the HMAC of its head with the key kept outside the state dir.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIT_FILE, formatHead, genesisHash, HEAD_FILE, sealLine, sha256Hex } from '../../src/audit/chain.js';
import { loadAuditKey } from '../../src/audit/key.js';
import { createAuditSink } from '../../src/audit/sink.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { EventScript } from './events.js';

const base = mkdtempSync(join(tmpdir(), 'kubedr-sig-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** What an attacker with write access to the state dir can do: edit, then recompute every hash. */
function rewrite(runDir: string, runId: string, edit: (rec: Record<string, unknown>) => void): void {
  let prev = genesisHash(runId);
  const out: string[] = [];
  for (const line of readFileSync(join(runDir, AUDIT_FILE), 'utf8').trimEnd().split('\n')) {
    const { hash: _hash, ...rec } = JSON.parse(line) as Record<string, unknown>;
    rec.prev = prev;
    edit(rec);
    const sealed = sealLine(rec);
    out.push(sealed);
    prev = sha256Hex(sealed);
  }
  writeFileSync(join(runDir, AUDIT_FILE), `${out.join('\n')}\n`);
  writeFileSync(join(runDir, HEAD_FILE), formatHead({ seq: out.length - 1, hash: prev }));
}

describe('signed audit head', () => {
  const keyPath = join(base, 'config', 'kubedr', 'audit.key');
  const key = loadAuditKey(keyPath, { create: true });

  it('creates the key on first use, 0600, outside the state dir', () => {
    expect(key?.key.length).toBe(32);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(loadAuditKey(keyPath, { create: true })?.key.equals(key?.key ?? Buffer.alloc(0))).toBe(true);
  });

  it('a rewrite with recomputed hashes fails --verify without --expect-head, and says what was checked', () => {
    const runId = 'run-sig';
    const runDir = join(base, 'state', 'runs', runId);
    const sink = createAuditSink({ runDir, who: { user: 'u', host: 'h' }, fsync: false, signingKey: key ?? false });
    for (const e of new EventScript(runId).start().phase('p', (x) => x.step('s1', 'p', { 'cp-1': { outcome: 'failed' } })).end('failed').events) sink.onEvent(e);
    sink.close();
    const good = verifyAudit(runDir, { key: key ?? false });
    expect(good).toMatchObject({ ok: true });
    expect(good.against).toContain(`head signature (HMAC-SHA256, key ${keyPath})`);

    rewrite(runDir, runId, (rec) => {
      if (rec.outcome === 'failed') rec.outcome = 'done';
    });
    // The unkeyed chain alone cannot tell (this is why the head is signed) ...
    expect(verifyAudit(runDir, { key: false })).toMatchObject({ ok: true, against: expect.stringContaining('no signing key') });
    // ... the signature can.
    expect(verifyAudit(runDir, { key: key ?? false })).toMatchObject({ ok: false, reason: expect.stringContaining('head signature does not match') });
    rmSync(join(runDir, 'audit.sig'));
    expect(verifyAudit(runDir, { key: key ?? false })).toMatchObject({ ok: false, reason: expect.stringContaining('not signed') });
  });
});
