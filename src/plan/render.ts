// Renders a template for one field of one task. Shell fields quote every value (unless `| raw`);
// plain fields (paths, messages, manifest values) insert values as they are. The field kind
// also decides where secrets may flow (see SECRET_OK and docs in the runbook schema).
import type { RenderedText, TextPart } from '../model/index.js';
import { shellQuote } from './quote.js';
import { lookup, type Scope } from './scope.js';
import { unsafeTemplates } from './shell-context.js';
import { parseTemplate } from './template.js';

export type FieldKind = 'shell' | 'capture-plain' | 'capture-secret' | 'local' | 'path' | 'text' | 'when';

export interface Issue {
  code: string;
  message: string;
  hint: string;
  /** The `{{ … }}` source text, to position the problem inside the field. */
  needle?: string;
  /** Where the expression starts inside `needle`, when the needle carries text before it. */
  needleOffset?: number;
  severity?: 'error' | 'warning';
}

export interface Rendered {
  text: RenderedText;
  issues: Issue[];
  /** Expressions inserted without quoting in a shell field (shown in plans). */
  raw: string[];
}

const SHELL: ReadonlySet<FieldKind> = new Set(['shell', 'capture-plain', 'capture-secret', 'local']);
/** Fields whose value may carry a secret: it runs on the node and is never printed. */
const SECRET_OK: ReadonlySet<FieldKind> = new Set(['shell', 'capture-secret']);
const ECHO = /\b(echo|printf)\b[^|;&\n]*$/;
const XTRACE = /(^|\n|;)\s*set\s+-[a-z]*x/;

/** Collects issues and raw expressions across the fields of one task (no per-field arrays). */
export interface RenderSink {
  issues: Issue[];
  raw: string[];
}

export function renderTemplate(template: string, field: FieldKind, scope: Scope): Rendered {
  const sink: RenderSink = { issues: [], raw: [] };
  return { text: renderInto(template, field, scope, sink), issues: sink.issues, raw: sink.raw };
}

export function renderInto(template: string, field: FieldKind, scope: Scope, sink: RenderSink): RenderedText {
  const parts: TextPart[] = [];
  const { issues, raw } = sink;
  if (SHELL.has(field)) {
    for (const u of unsafeTemplates(template)) {
      issues.push({
        code: 'RUNBOOK_UNSAFE_TEMPLATE_CONTEXT',
        message: `${u.expr} stands inside ${u.context}, where the shell does not take it as one quoted word: a value such as $(touch pwned) would run`,
        hint: `write it as a bare word (the renderer single-quotes it): assign it first, v=${u.expr}, then use "$v" there`,
        needle: u.needle,
        needleOffset: u.needle.length - u.expr.length,
      });
    }
  }
  let lit = '';
  let line = '';
  /** Shell variables assigned a secret (`t={{ params.tok }}`), to catch `echo "$t"` later. */
  const tainted = new Map<string, string>();
  for (const seg of parseTemplate(template)) {
    if (seg.kind === 'lit') {
      lit += seg.text;
      const nl = seg.text.lastIndexOf('\n');
      line = nl >= 0 ? seg.text.slice(nl + 1) : line + seg.text;
      continue;
    }
    if (seg.kind === 'error') {
      issues.push({ code: 'RUNBOOK_TEMPLATE_SYNTAX', message: `template error: ${seg.message}`, hint: 'write {{ root.path }} with an optional "| raw"; use {{ "{{" }} for literal braces', needle: seg.source });
      continue;
    }
    const found = lookup(seg.path, scope);
    const isRaw = seg.filters.includes('raw');
    const needle = seg.source;
    if (found.kind === 'problem') {
      issues.push({ code: found.code, message: found.message, hint: found.hint, needle });
      continue;
    }
    if (isRaw && SHELL.has(field)) raw.push(needle);
    // `| raw` hands text to the shell unquoted: only for command text a step itself produced
    // (a captured join command), never for an operator-given param or inventory value.
    if (isRaw && SHELL.has(field) && seg.path[0] !== 'steps') {
      issues.push({ code: 'RUNBOOK_RAW_VALUE', message: `{{ ${seg.path.join('.')} | raw }} would pass a value to the shell unquoted, where it runs as code`, hint: 'drop "| raw" (the value is then single-quoted); "| raw" is only for {{ steps.<id>.stdout }} command text', needle });
      continue;
    }
    if (found.kind === 'ref') {
      const flow = refIssue(found.ref, found.secret, field, line);
      const assigned = found.secret && field === 'shell' ? /([A-Za-z_]\w*)=$/.exec(line) : null;
      if (assigned?.[1]) tainted.set(assigned[1], found.ref);
      if (flow) issues.push({ ...flow, needle });
      if (lit) parts.push({ t: 'lit', v: lit });
      lit = '';
      parts.push({ t: 'ref', ref: found.ref, quote: SHELL.has(field) && !isRaw, secret: found.secret });
    } else {
      let v = found.value;
      if (seg.filters.includes('not')) {
        const b = toBool(v);
        if (b === undefined) issues.push({ code: 'RUNBOOK_WHEN_NOT_BOOLEAN', message: `"| not" needs a boolean, {{ ${seg.path.join('.')} }} is "${v}"`, hint: 'use a bool param', needle });
        v = String(b !== true);
      }
      lit += SHELL.has(field) && !isRaw && !found.quoted ? shellQuote(v) : v;
    }
    line += 'x';
  }
  if (lit || parts.length === 0) parts.push({ t: 'lit', v: lit });
  for (const [name, ref] of tainted) {
    const echoed = new RegExp(`\\b(echo|printf)\\b[^|;&\\n]*(\\$\\{?${name}\\b)`).exec(template);
    if (echoed?.[2]) issues.push({ code: 'RUNBOOK_SECRET_ECHOED', message: `secret {{ ${ref} }} is copied into $${name}, which is echoed: its value would land in the logs`, hint: 'pipe the variable into the command that needs it without printing it, or capture with "secret: true"', needle: echoed[0] });
  }
  if (field === 'shell' && parts.some((p) => p.t === 'ref' && p.secret) && XTRACE.test(template)) {
    issues.push({ code: 'RUNBOOK_SECRET_XTRACE', message: 'the script enables "set -x", which prints its secret values', hint: 'remove "set -x" from scripts that use secrets', severity: 'warning' });
  }
  return { parts };
}

function refIssue(ref: string, secret: boolean, field: FieldKind, lineBefore: string): Omit<Issue, 'needle'> | undefined {
  if (field === 'when') {
    return secret
      ? { code: 'RUNBOOK_SECRET_IN_PLAIN_TEXT', message: `a secret ({{ ${ref} }}) cannot decide "when"`, hint: 'base "when" on a non-secret param' }
      : { code: 'RUNBOOK_WHEN_RUNTIME', message: `"when" is decided at plan time, but {{ ${ref} }} is only known at run time`, hint: 'use params, vars or cluster values in "when"; test run-time values inside the script' };
  }
  if (!secret) return undefined;
  if (field === 'local') return { code: 'RUNBOOK_SECRET_IN_LOCAL', message: `secret {{ ${ref} }} is used in a local command, whose command line and output are logged on the operator machine`, hint: 'use the secret in a shell step on the node instead' };
  if (field === 'capture-plain') return { code: 'RUNBOOK_SECRET_INTO_PLAIN_CAPTURE', message: `secret {{ ${ref} }} flows into a capture that is not secret, so its output would be printed`, hint: 'add "secret: true" to the capture' };
  if (!SECRET_OK.has(field)) return { code: 'RUNBOOK_SECRET_IN_PLAIN_TEXT', message: `secret {{ ${ref} }} is used in a ${field === 'path' ? 'file path' : 'message, manifest value or checksum'}, which is printed in plans and audit records`, hint: 'use secrets only in shell, wait and secret capture commands' };
  if (field === 'shell' && ECHO.test(lineBefore)) return { code: 'RUNBOOK_SECRET_ECHOED', message: `secret {{ ${ref} }} is echoed: its value would land in the logs`, hint: 'pipe it into the command that needs it without printing it, or capture with "secret: true"' };
  return undefined;
}

/** Plan-time truth of a rendered `when`: true/yes/1, false/no/0/empty; otherwise undefined. */
export function toBool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['true', 'yes', '1'].includes(s)) return true;
  if (['false', 'no', '0', ''].includes(s)) return false;
  return undefined;
}
