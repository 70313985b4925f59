// Which reporter for this invocation. The CLI passes facts (flags, isTTY, env); nothing here
// looks at process globals.
import type { SecretSource } from '../errors/redact.js';
import { createJsonReporter } from './json.js';
import { createLazyListrReporter } from './listr-lazy.js';
import type { ProgressOutline } from './outline.js';
import { createPlainReporter } from './plain.js';
import type { Reporter, Write } from './types.js';

export type ReporterKind = 'listr' | 'plain' | 'json';

export interface ChooseReporterOptions {
  /** `--output`. @default 'text' */
  output?: 'text' | 'json';
  isTTY: boolean;
  /** True in CI (see isCi). */
  ci: boolean;
  /** The tree to draw; without it a TTY gets the plain reporter (listr2 needs its tree upfront). */
  outline?: ProgressOutline;
  /**
   * The run will ask the operator something (confirm steps without --yes). listr2 captures
   * stdout and stderr while it renders, so a prompt would be invisible: use the plain reporter.
   * @default false
   */
  prompts?: boolean;
}

export function pickReporterKind(opts: ChooseReporterOptions): ReporterKind {
  if (opts.output === 'json') return 'json';
  if (opts.isTTY && !opts.ci && opts.outline && !opts.prompts) return 'listr';
  return 'plain';
}

/** `CI=true` (or any value but false/0/empty), as set by GitHub Actions, GitLab, Jenkins… */
export function isCi(env: Record<string, string | undefined>): boolean {
  const v = env['CI'];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function chooseReporter(opts: ChooseReporterOptions & { write: Write; secrets?: SecretSource }): Reporter & { kind: ReporterKind } {
  const kind = pickReporterKind(opts);
  const secrets = opts.secrets !== undefined ? { secrets: opts.secrets } : {};
  if (kind === 'json') return { kind, ...createJsonReporter({ write: opts.write, ...secrets }) };
  if (kind === 'listr' && opts.outline) return { kind, ...createLazyListrReporter({ outline: opts.outline, ...secrets }) };
  return { kind, ...createPlainReporter({ write: opts.write, ...secrets }) };
}
