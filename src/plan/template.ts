// The template language: `{{ path }}`, `{{ path | raw }}`, `{{ path | not }}` and the literal
// escape `{{ "{{" }}`. Parsing is pure and cached: plans render the same text on many nodes.

export type Segment =
  | { kind: 'lit'; text: string }
  | { kind: 'expr'; path: string[]; filters: string[]; source: string }
  | { kind: 'error'; message: string; source: string };

/** Filters a template may use; `raw` skips shell quoting, `not` negates a boolean (for `when`). */
export const FILTERS = ['raw', 'not'] as const;

const EXPR = /\{\{([\s\S]*?)\}\}/g;
const PATH = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;
const cache = new Map<string, Segment[]>();

export function parseTemplate(text: string): Segment[] {
  const hit = cache.get(text);
  if (hit) return hit;
  const segments: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(EXPR)) {
    const index = m.index;
    if (index > last) pushLiteral(segments, text.slice(last, index));
    segments.push(parseExpr(m[1] ?? '', m[0]));
    last = index + m[0].length;
  }
  if (last < text.length) pushLiteral(segments, text.slice(last));
  if (cache.size > 10_000) cache.clear();
  cache.set(text, segments);
  return segments;
}

function pushLiteral(segments: Segment[], text: string): void {
  const open = text.indexOf('{{');
  if (open >= 0) {
    segments.push({ kind: 'error', message: 'unclosed "{{"', source: text.slice(open, open + 20) });
    return;
  }
  segments.push({ kind: 'lit', text });
}

function parseExpr(inner: string, source: string): Segment {
  const body = inner.trim();
  const quoted = /^(["'])(.*)\1$/.exec(body);
  if (quoted) return { kind: 'lit', text: quoted[2] ?? '' };
  const [head = '', ...rest] = body.split('|').map((s) => s.trim());
  if (!PATH.test(head)) return { kind: 'error', message: `"${body}" is not a variable path`, source };
  const unknown = rest.find((f) => !(FILTERS as readonly string[]).includes(f));
  if (unknown !== undefined) return { kind: 'error', message: `unknown filter "${unknown}" (known: ${FILTERS.join(', ')})`, source };
  return { kind: 'expr', path: head.split('.'), filters: rest, source };
}

/** The expressions of a template, for static rules. */
export function expressionsOf(text: string): Extract<Segment, { kind: 'expr' }>[] {
  return parseTemplate(text).filter((s): s is Extract<Segment, { kind: 'expr' }> => s.kind === 'expr');
}
