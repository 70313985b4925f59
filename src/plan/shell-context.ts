// Where each `{{ … }}` of a shell field stands, as the shell will parse it. The renderer
// single-quotes every value, which protects it only as a bare word: inside double quotes, a
// heredoc with an unquoted delimiter, backticks, $(…), $((…)), ${…}, single quotes, or the text
// that eval / sh -c parse again, the quotes are literal characters or get re-parsed and a value
// such as `$(touch pwned)` runs. Those positions are refused at plan/validate time.
import { parseTemplate } from './template.js';

export type UnsafeContext = 'double quotes' | 'single quotes' | 'backticks' | '$(...)' | '$((...))' | '${...}' | 'an unquoted heredoc' | 'eval' | 'sh -c';

export interface UnsafeTemplate {
  /** The `{{ … }}` source. */
  expr: string;
  /** The expression with the text before it on its line: finds this occurrence, not the first. */
  needle: string;
  context: UnsafeContext;
}

type Frame = 'dq' | 'sq' | 'bt' | 'cmd' | 'arith' | 'aparen' | 'param' | 'paren';
const NAMES: Record<Frame, UnsafeContext | undefined> = {
  dq: 'double quotes', sq: 'single quotes', bt: 'backticks', cmd: '$(...)', arith: '$((...))', aparen: '$((...))', param: '${...}', paren: undefined,
};

interface Heredoc {
  delim: string;
  quoted: boolean;
  stripTabs: boolean;
}

const cache = new Map<string, UnsafeTemplate[]>();

/** The expressions of a shell template that stand where single-quoting does not protect them. */
export function unsafeTemplates(template: string): UnsafeTemplate[] {
  const hit = cache.get(template);
  if (hit) return hit;
  const out = scan(template);
  if (cache.size > 10_000) cache.clear();
  cache.set(template, out);
  return out;
}

function scan(template: string): UnsafeTemplate[] {
  const out: UnsafeTemplate[] = [];
  const stack: Frame[] = [];
  const pending: Heredoc[] = [];
  let body: Heredoc | undefined;
  let bodyLine = '';
  let lineText = '';
  // The template's source so far and where its current line starts (for contextual needles).
  let source = '';
  let lineStart = 0;
  let escaped = false;
  let comment = false;
  for (const seg of parseTemplate(template)) {
    if (seg.kind === 'error') continue;
    if (seg.kind === 'expr') {
      lineText += '\u0000';
      const before = source.slice(Math.max(lineStart, source.length - 24));
      source += seg.source;
      if (body) bodyLine += '\u0000';
      if (seg.filters.includes('raw') || comment) continue;
      const ctx = body ? (body.quoted ? undefined : 'an unquoted heredoc') : contextOf(stack, lineText);
      if (ctx) out.push({ expr: seg.source, needle: before + seg.source, context: ctx });
      continue;
    }
    const s = seg.text;
    const base = source.length;
    source += s;
    for (let i = 0; i < s.length; i++) {
      const c = s[i] ?? '';
      const next = s[i + 1] ?? '';
      if (c === '\n') {
        lineText = '';
        lineStart = base + i + 1;
        comment = false;
        if (body) {
          const line = body.stripTabs ? bodyLine.replace(/^\t+/, '') : bodyLine;
          if (line === body.delim) body = pending.shift();
          bodyLine = '';
          continue;
        }
        // A heredoc's body starts on the line after its operator, once outside any quote.
        if (pending.length > 0 && (stack.length === 0 || stack.every((f) => f === 'paren' || f === 'cmd'))) body = pending.shift();
        escaped = false;
        continue;
      }
      lineText += c;
      if (body) {
        bodyLine += c;
        continue;
      }
      if (comment) continue;
      if (escaped) {
        escaped = false;
        continue;
      }
      const top = stack.at(-1);
      if (top === 'sq') {
        if (c === "'") stack.pop();
        continue;
      }
      if (c === '\\') {
        escaped = true;
        continue;
      }
      if (top === 'dq') {
        if (c === '"') stack.pop();
        else if (c === '`') stack.push('bt');
        else if (c === '$') i = openDollar(s, i, stack);
        continue;
      }
      if (top === 'bt' && c === '`') {
        stack.pop();
        continue;
      }
      if (top === 'param' && c === '}') {
        stack.pop();
        continue;
      }
      if (top === 'arith' || top === 'aparen') {
        if (c === '(') stack.push('aparen');
        else if (c === ')' && top === 'aparen') stack.pop();
        else if (c === ')' && next === ')') i = closeArith(stack, i);
        else if (c === '$') i = openDollar(s, i, stack);
        continue;
      }
      // Shell level: top, paren, cmd, bt, param word.
      if (c === '#' && /(^|[\s;&|()])$/.test(lineText.slice(0, -1))) comment = true;
      else if (c === "'") stack.push('sq');
      else if (c === '"') stack.push('dq');
      else if (c === '`') stack.push('bt');
      else if (c === '$') i = openDollar(s, i, stack);
      else if (c === '(' && next === '(') i = openArith(stack, i);
      else if (c === '(') stack.push('paren');
      else if (c === ')' && (top === 'paren' || top === 'cmd')) stack.pop();
      else if (c === '<' && next === '<' && s[i + 2] !== '<') i = readHeredoc(s, i, pending);
    }
  }
  return out;
}

/** `$(`, `$((` or `${` at `i`: pushes the frame and returns the index of its last opening char. */
function openDollar(s: string, i: number, stack: Frame[]): number {
  if (s[i + 1] === '(' && s[i + 2] === '(') return stack.push('arith'), i + 2;
  if (s[i + 1] === '(') return stack.push('cmd'), i + 1;
  if (s[i + 1] === '{') return stack.push('param'), i + 1;
  return i;
}

/** `((` at `i` (an arithmetic command): returns the index of its second paren. */
function openArith(stack: Frame[], i: number): number {
  stack.push('arith');
  return i + 1;
}

function closeArith(stack: Frame[], i: number): number {
  stack.pop();
  return i + 1;
}

/** Reads `<<[-] WORD` at `i`; returns the index of the word's last char. */
function readHeredoc(s: string, i: number, pending: Heredoc[]): number {
  const m = /^<<(-?)[ \t]*((?:'[^'\n]*'|"[^"\n]*"|\\?[^\s;&|<>()'"]+)+)/.exec(s.slice(i));
  if (!m) return i + 1;
  const word = m[2] ?? '';
  const quoted = /['"\\]/.test(word);
  pending.push({ delim: word.replace(/['"\\]/g, ''), quoted, stripTabs: m[1] === '-' });
  return i + m[0].length - 1;
}

function contextOf(stack: Frame[], lineText: string): UnsafeContext | undefined {
  // The innermost frame that re-parses or does not quote decides; a bare word in a subshell is safe.
  for (let k = stack.length - 1; k >= 0; k--) {
    const name = NAMES[stack[k] as Frame];
    if (name) return name;
  }
  const before = lineText.slice(0, -1);
  if (/(^|[;&|({]\s*|\b(then|do|else)\s+)eval\s[^;&|\n]*$/.test(before)) return 'eval';
  if (/\b(ba|da|z)?sh\s+(-[a-z]+\s+)*-[a-z]*c\s+$/.test(before)) return 'sh -c';
  return undefined;
}
