// RenderedText helpers shared by the planner (display) and the engine (run-time resolution).
import type { RenderedText, TextPart } from '../model/index.js';
import { KubedrError } from '../errors/index.js';
import { shellQuote } from './quote.js';

export function literal(v: string): RenderedText {
  return { parts: [{ t: 'lit', v }] };
}

/** The references (captures, secret params) a text needs at run time. */
export function refsOf(text: RenderedText): string[] {
  return text.parts.flatMap((p) => (p.t === 'ref' ? [p.ref] : []));
}

/** Human view for plans and logs: refs stay visible as `{{ ref }}`, secrets as `<secret:ref>`. */
export function displayText(text: RenderedText): string {
  return text.parts.map(displayPart).join('');
}

function displayPart(p: TextPart): string {
  if (p.t === 'lit') return p.v;
  return p.secret ? `<secret:${p.ref}>` : `{{ ${p.ref} }}`;
}

/**
 * Resolves refs with run-time values. Quoted refs go through shellQuote. A missing value is a
 * bug in ordering (validation guarantees captures exist before use), so it throws.
 */
export function resolveText(text: RenderedText, lookup: (ref: string) => string | undefined): string {
  let out = '';
  for (const p of text.parts) {
    if (p.t === 'lit') {
      out += p.v;
      continue;
    }
    const value = lookup(p.ref);
    if (value === undefined) {
      throw new KubedrError('ENGINE_UNRESOLVED_REF', `no run-time value for {{ ${p.ref} }}`, {
        hint: 'the step that produces it has not run; check the step order in the runbook',
      });
    }
    out += p.quote ? shellQuote(value) : value;
  }
  return out;
}

/** Values of secret refs, so callers can redact them from any output. */
export function secretValuesOf(text: RenderedText, lookup: (ref: string) => string | undefined): string[] {
  return text.parts.flatMap((p) => (p.t === 'ref' && p.secret ? [lookup(p.ref) ?? ''] : [])).filter((v) => v !== '');
}
