// Errors with stable codes. Every user-facing failure is a KubedrError; the CLI maps
// `exitCode` to the process exit code (2 = bad input, nothing executed).
import { escapeControls } from './escape.js';
import type { SourcePos } from '../model/index.js';

export interface Problem {
  code: string;
  message: string;
  /** What the operator should do about it. */
  hint?: string;
  pos?: SourcePos;
  severity: 'error' | 'warning';
}

export class KubedrError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(code: string, message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KubedrError';
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.hint = opts.hint;
  }
}

/** Bad input (runbook, inventory, params, flags): exit 2, nothing executed. */
export class InputError extends KubedrError {
  readonly problems: Problem[];

  constructor(problems: Problem[], summary?: string) {
    const errors = problems.filter((p) => p.severity === 'error');
    const first = errors[0] ?? problems[0];
    super(first?.code ?? 'INPUT_INVALID', summary ?? `${errors.length} problem(s) in the input`, { exitCode: 2 });
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** Formats a problem as `file:line:col: error CODE: message (hint)`. */
export function formatProblem(p: Problem): string {
  const where = p.pos ? `${p.pos.file}:${p.pos.line}:${p.pos.col}: ` : '';
  const hint = p.hint ? `\n    fix: ${p.hint}` : '';
  // A problem quotes the offending value: its control characters are shown, not sent raw.
  return escapeControls(`${where}${p.severity} ${p.code}: ${p.message}${hint}`);
}
