// The canonical secret scrubber. Every sink (audit log, reporters, journal, transport and engine
// error text, command output) passes its strings through here, even though RunEvents should never
// carry secrets: defence in depth. It lives beside the error classes, the one layer every other
// folder may import (src/transport may not import src/audit).

/**
 * Every non-empty secret is redacted, whatever its length: a secret that is shown is leaked.
 * Values too short or too common to redact without shredding ordinary text are refused at input
 * instead (weakSecretReason), so redaction never has to choose between the two.
 * @default 1
 */
export const MIN_SECRET_LENGTH = 1;

/** Shortest secret accepted at input: shorter ones would match ordinary words in every log. */
export const MIN_INPUT_SECRET_LENGTH = 8;

/** Words that appear in every log, record and report (record types, outcomes, field names). */
const COMMON_WORDS = new Set([
  'run-start', 'run-end', 'phase-start', 'phase-end', 'step-start', 'step-end', 'task-start', 'task-retry', 'task-end', 'task-output',
  'undo-start', 'undo-end', 'approval', 'rolled-back', 'unreachable', 'timed-out', 'commanddigest', 'durationms', 'planhash',
  'runbookhash', 'inventoryhash', 'approvedby', 'exitcode', '[redacted]', 'kubernetes', 'password', 'changeme', 'passw0rd',
  'password1', 'secret123', 'letmein1', '12345678', '123456789', 'qwertyui', 'control-plane', 'kube-apiserver', 'localhost',
  'snapshot', 'snapshot.db', 'restore', 'rollback', 'kubeadm', 'kubelet', 'etcdctl', 'admin123', 'administrator',
]);

/** Why `value` cannot be redacted safely (too short, too common), or undefined when it can. */
export function weakSecretReason(value: string): string | undefined {
  if (value.length < MIN_INPUT_SECRET_LENGTH) return `it is ${value.length} character(s) long; at least ${MIN_INPUT_SECRET_LENGTH} are needed to redact it without blanking ordinary words`;
  if (/^(.)\1*$/s.test(value)) return 'it repeats one character, which would blank ordinary text when redacted';
  if (COMMON_WORDS.has(value.toLowerCase())) return `"${value.toLowerCase()}" is a common word in logs and records, which redaction would blank everywhere`;
  return undefined;
}

/** Fields of events and audit records that hold free text; every other field is structure. */
export const FREE_TEXT_FIELDS: ReadonlySet<string> = new Set(['chunk', 'reason', 'error', 'message', 'stderr', 'detail']);

/**
 * Redacts the free-text fields of a record (FREE_TEXT_FIELDS), never its structure: a record's
 * type, step, node or outcome stays what it is even if a secret happens to equal it.
 */
export function redactText<T extends object>(record: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return record;
  const out = { ...record } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) {
    if (!FREE_TEXT_FIELDS.has(k)) continue;
    if (typeof v === 'string') out[k] = redactSecrets(v, secrets);
    else if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'string' ? redactSecrets(x, secrets) : x));
  }
  return out as T;
}

/** Replacement text; fixed so output stays deterministic and never hints at the length. */
export const REDACTED = '[REDACTED]';

/**
 * Replaces every occurrence of every secret with REDACTED. Longest secrets first, and matching is
 * done on the original text in one pass over all secrets, so overlapping secrets (`abcd1234` and
 * `1234wxyz` in `abcd1234wxyz`) are both covered and a replacement is never re-scanned.
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const list = usableSecrets(secrets);
  if (list.length === 0 || text === '') return text;
  // Mark every character that belongs to any occurrence of any secret, then collapse each run of
  // marked characters into one REDACTED. This handles overlaps without order effects.
  let mask: Uint8Array | undefined;
  for (const s of list) {
    let from = 0;
    for (;;) {
      const i = text.indexOf(s, from);
      if (i < 0) break;
      mask ??= new Uint8Array(text.length);
      mask.fill(1, i, i + s.length);
      from = i + 1; // +1, not +length: finds self-overlapping occurrences (`aaaa` in `aaaaa`)
    }
  }
  if (!mask) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (mask[i] === 1) {
      while (i < text.length && mask[i] === 1) i++;
      out += REDACTED;
    } else {
      const start = i;
      while (i < text.length && mask[i] !== 1) i++;
      out += text.slice(start, i);
    }
  }
  return out;
}

/**
 * Deduplicated secrets long enough to redact, longest first. A multi-line secret (a private key)
 * also contributes each of its lines, because line-oriented sinks see it one line at a time.
 */
export function usableSecrets(secrets: Iterable<string>): string[] {
  const set = new Set<string>();
  const add = (s: string): void => {
    if (s.length >= MIN_SECRET_LENGTH) set.add(s);
  };
  for (const s of secrets) {
    if (typeof s !== 'string') continue;
    add(s);
    if (/[\r\n]/.test(s)) for (const line of s.split(/\r?\n/)) add(line.trim());
  }
  return [...set].sort((a, b) => b.length - a.length);
}

/** Redacts every string inside a JSON-like value (objects, arrays), returning a copy. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  return walk(value, secrets) as T;
}

function walk(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => walk(v, secrets));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, secrets);
    return out;
  }
  return value;
}

/** A fixed list, or a getter for secrets learned during the run (captured tokens). */
export type SecretSource = readonly string[] | (() => readonly string[]);

export function secretsOf(source: SecretSource | undefined): string[] {
  if (source === undefined) return [];
  return usableSecrets(typeof source === 'function' ? source() : source);
}
