// Text from inventories, params and nodes on the operator's terminal. A raw ESC, CR or backspace
// from a hostile value (or a node's output) would repaint the screen: hide a failure, fake a
// "done", rewrite the command shown above. Every reporter and error message passes such text
// through escapeControls, which shows each control character as a visible escape (`\x1b`)
// instead of letting the terminal interpret it. It lives beside the error classes, the one layer
// every other folder may import (reporters, audit text, CLI error messages).

/**
 * C0 controls except TAB and LF, DEL, C1 controls, and the Unicode controls that reorder or hide
 * text (bidi embeddings/overrides/isolates, LRM/RLM/ALM, zero-width joiners and the BOM).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_NEWLINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\r': '\\r', '\b': '\\b', '\n': '\\n', '\t': '\\t', '\f': '\\f', '\v': '\\v', '\0': '\\0' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const c = ch.charCodeAt(0);
  return c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

export interface EscapeOptions {
  /** Keep line feeds (multi-line messages); false shows them as `\n` (one-line titles). @default true */
  newlines?: boolean;
}

/** `a\u001b[2Jb` → `a\x1b[2Jb`: the same text, with every control character visible and inert. */
export function escapeControls(text: string, opts: EscapeOptions = {}): string {
  const re = opts.newlines === false ? CONTROL_OR_NEWLINE : CONTROL;
  re.lastIndex = 0;
  return re.test(text) ? text.replace(re, visible) : text;
}

/** One line of command output: a CRLF ending is a line ending, not a control to show. */
export function escapeOutputLine(line: string): string {
  return escapeControls(line.endsWith('\r') ? line.slice(0, -1) : line, { newlines: false });
}

/**
 * JSON text whose string values carry no raw DEL, C1 or bidi control either: JSON.stringify
 * escapes only U+0000–U+001F. The parsed value is unchanged (`\u009b` is the same string).
 */
const JSON_RAW = /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;
export function escapeJsonControls(json: string): string {
  return json.replace(JSON_RAW, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
