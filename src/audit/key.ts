// The key that signs an audit log's head. The hash chain alone is unkeyed: whoever can write the
// state dir can rewrite the log and recompute every hash. An HMAC of the head with a key kept
// outside the state dir (~/.config/kubedr/audit.key, 0600, created on first use) makes such a
// rewrite fail `kubedr audit --verify` without an out-of-band --expect-head.
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Signature file beside audit.jsonl and audit.head. */
export const SIG_FILE = 'audit.sig';

export interface AuditKey {
  path: string;
  key: Buffer;
}

/** `$KUBEDR_AUDIT_KEY`, else `$XDG_CONFIG_HOME/kubedr/audit.key`, else `~/.config/kubedr/audit.key`. */
export function auditKeyPath(env: Record<string, string | undefined>): string {
  return env.KUBEDR_AUDIT_KEY ?? join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'kubedr', 'audit.key');
}

/** Reads the key; with `create`, makes one (32 random bytes, 0600 in a 0700 dir) when missing. */
export function loadAuditKey(path: string, opts: { create: boolean }): AuditKey | undefined {
  try {
    return { path, key: Buffer.from(readFileSync(path, 'utf8').trim(), 'hex') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !opts.create) return undefined;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(path, 0o600);
  return loadAuditKey(path, { create: false });
}

/** HMAC-SHA256 over the run id and the head pointer: binds the whole chain to the key. */
export function signHead(key: Buffer, runId: string, head: { seq: number; hash: string }): string {
  return createHmac('sha256', key).update(`kubedr-audit-head\n${runId}\n${head.seq}\n${head.hash}`).digest('hex');
}
