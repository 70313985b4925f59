// Use-case behind `kubedr runs`: every run directory under <stateDir>/runs, newest first.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditRecords, renderRunsText, sortRuns, summarizeRun, type RunSummary } from '../audit/index.js';
import { DEFAULT_STATE_DIR } from './state.js';

export interface ListRunsOptions {
  /** @default '.kubedr' */
  stateDir?: string;
  /** @default 'text' */
  output?: 'text' | 'json';
}

export function listRuns(opts: ListRunsOptions = {}): { runs: RunSummary[]; rendered: string } {
  const root = join(opts.stateDir ?? DEFAULT_STATE_DIR, 'runs');
  const ids = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
  const runs = sortRuns(ids.map((id) => summarizeRun(id, readAuditRecords(join(root, id)))));
  const rendered = opts.output === 'json' ? `${JSON.stringify(runs, null, 2)}\n` : renderRunsText(runs);
  return { runs, rendered };
}
