// The canonical secret scrubber. Every sink (audit log, reporters, journal, transport and engine
// error text, command output) passes its strings through here, even though RunEvents should never
// carry secrets: defence in depth. It lives beside the error classes, the one layer every other
// folder may import (src/transport may not import src/audit).

/**
 * Secrets shorter than this are not redacted. A 1–3 character "secret" (an empty param, `0`,
 * `yes`) would shred every line it touches (`a` → every word) and make logs useless, while hiding
 * nothing an attacker could not guess. Real secrets (tokens, keys, passwords) are longer.
 * @default 4
 */
export const MIN_SECRET_LENGTH = 4;

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
