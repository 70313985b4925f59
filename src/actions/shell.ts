// Turns template arguments into shell text that the plan renderer can quote. A template may
// stand in generated shell only as a bare word (the renderer single-quotes each value); the
// literal text around its expressions is quoted here, so an argument such as
// `/srv/my backups/{{ run.id }}` stays one word and nothing in it reaches the shell unquoted.
import { shellQuote } from '../plan/quote.js';
import { parseTemplate } from '../plan/template.js';
import type { Template } from '../model/index.js';

/** One shell word for a template argument. */
export function word(t: Template): string {
  if (t === '') return "''";
  return parseTemplate(t)
    .map((s) => (s.kind === 'lit' ? (s.text === '' ? '' : shellQuote(s.text)) : s.source))
    .join('');
}

/** Several template arguments as shell words separated by spaces. */
export function words(ts: readonly Template[]): string {
  return ts.map(word).join(' ');
}

/** A script from lines; empty lines (conditional parts left out) are dropped. */
export function script(...lines: (string | false | undefined)[]): string {
  return lines.filter((l): l is string => typeof l === 'string' && l !== '').join('\n');
}

/** `test -w` on the nearest existing ancestor of $var: can this dir be created? */
export function creatable(varName: string, what: string): string {
  return `d=$${varName}; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; test -d "$d" && test -w "$d" || { echo "cannot create ${what}: $d is not a writable dir" >&2; exit 1; }`;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a schema-valid duration argument ("90s", "5m" or integer ms). */
export function durationMs(value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)(ms|s|m|h)$/.exec(value);
  return m ? Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1) : fallback;
}

/** Schema of a duration argument (the runbook schema's own definition). */
export const DURATION = { $ref: '#/$defs/duration' } as const;
