// The DR procedure as an operator drives it through the CLI: rehearse (nothing may be blocked),
// then `kubedr run`, and what each said. Used by the damage-mode e2e tests.
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RehearsalTable } from '../../src/app/rehearsal/table.js';
import type { RunEvent } from '../../src/model/index.js';
import { REPO_ROOT } from '../lab/inventory.js';
import { cliHere, startCli, type CliChild, type CliResult } from './support.js';

export const builtin = (name: string): string => join(REPO_ROOT, 'runbooks', `${name}.yaml`);

export interface Procedure {
  runbook: string;
  inventory: string;
  stateDir: string;
  params: Record<string, string>;
}

const paramArgs = (p: Record<string, string>): string[] => Object.entries(p).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
const base = (verb: string, p: Procedure): string[] => [verb, '-r', p.runbook, '-i', p.inventory, '--state-dir', p.stateDir, ...paramArgs(p.params)];

/** Every cell that is not "would run", as `step@node state: reason`. */
export const notRunning = (t: RehearsalTable): string[] =>
  t.rows.flatMap((row) => row.cells.filter((c) => c.state !== 'would-run').map((c) => `${row.stepId}@${c.node} ${c.state}: ${c.reason ?? ''}`));

/** `kubedr rehearse --output json`: its table, exit code and stderr. */
export async function rehearse(p: Procedure): Promise<{ code: number; table: RehearsalTable; stderr: string }> {
  const r = await cliHere([...base('rehearse', p), '--output', 'json']);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"rehearsal":'));
  if (!line) throw new Error(`${p.runbook}: no rehearsal table (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, stderr: r.stderr, table: (JSON.parse(line) as { rehearsal: RehearsalTable }).rehearsal };
}

/** Rehearse and require 0 blocked cells (what the operator checks before the real run). */
export async function rehearseClean(p: Procedure): Promise<RehearsalTable> {
  const r = await rehearse(p);
  expect(r.table.counts.blocked, `${notRunning(r.table).join('\n')}\n${r.stderr}`).toBe(0);
  return r.table;
}

/** `kubedr run --yes --output json` in this process. */
export function runProcedure(p: Procedure, extra: string[] = []): Promise<CliResult> {
  return cliHere([...base('run', p), '--yes', '--output', 'json', ...extra]);
}

/** `kubedr run` as its own process (so a SIGKILL hits kubedr itself). */
export function startProcedure(p: Procedure, extra: string[] = []): CliChild {
  return startCli([...base('run', p), '--yes', '--output', 'json', ...extra]);
}

/** The run's outcome and, when it failed, every task that did not finish with its stderr. */
export function outcome(r: CliResult): { code: number; outcome: string | undefined; failed: string[] } {
  const end = r.events.find((e): e is Extract<RunEvent, { kind: 'run-end' }> => e.kind === 'run-end');
  const failed = r.events.flatMap((e) => (e.kind === 'task-end' && e.outcome !== 'done' && e.outcome !== 'skipped' ? [`${e.stepId}@${e.node}: ${e.outcome} ${e.error ?? ''}`] : []));
  return { code: r.code, outcome: end?.outcome, failed: failed.length ? [...failed, r.stderr.slice(-2000)] : [] };
}
