// One plain, deterministic line per event (CI logs, non-TTY, test snapshots). No clock, no
// colour: everything printed comes from the event itself.
import type { RunEvent } from '../model/index.js';
import { formatDuration } from '../audit/format.js';
import { formatProgress } from './progress.js';
import { escapeControls } from '../errors/escape.js';

const exitOf = (code: number | undefined): string => (code === undefined ? '' : ` exit ${code}`);

/**
 * The line for an event; undefined for task-output, which the plain reporter splits itself.
 * Control characters from values and node text are shown escaped, never sent raw.
 */
export function formatEventLine(e: RunEvent): string | undefined {
  const line = rawEventLine(e);
  return line === undefined ? undefined : escapeControls(line);
}

function rawEventLine(e: RunEvent): string | undefined {
  switch (e.kind) {
    case 'run-start':
      return `run ${e.runId}: ${e.runbook} on ${e.cluster} (mode ${e.mode}, plan ${e.planHash.slice(0, 12)})`;
    case 'phase-start':
      return `phase ${e.phase}`;
    case 'phase-end':
      return `phase ${e.phase} end`;
    case 'step-start':
      return `step ${e.stepId} [${e.phase}] on ${e.nodes.length ? e.nodes.join(', ') : '(no nodes)'}`;
    case 'step-end':
      return `step ${e.stepId} ${e.outcome}${e.reason !== undefined ? `: ${e.reason}` : ''}`;
    case 'task-start':
      return `  ${e.stepId}@${e.node} start${e.attempt > 1 ? ` attempt ${e.attempt}` : ''}`;
    case 'task-output':
      return undefined;
    case 'task-progress':
      return `  ${e.stepId}@${e.node} ${formatProgress(e)}`;
    case 'task-retry':
      return `  ${e.stepId}@${e.node} retry (attempt ${e.attempt}) in ${formatDuration(e.delayMs)}: ${e.reason}`;
    case 'task-end':
      return `  ${e.stepId}@${e.node} ${e.outcome}${exitOf(e.exitCode)} in ${formatDuration(e.durationMs)}${e.error ? `: ${e.error}` : ''}`;
    case 'approval':
      if (e.how === 'no-terminal') return `approval ${e.stepId}: no terminal, not approved: ${e.message}`;
      return `approval ${e.stepId}${e.approved === false ? ' declined' : ''} by ${e.approvedBy}${e.auto ? ' (--yes)' : ''}${e.answer !== undefined ? ` (answer ${JSON.stringify(e.answer)})` : ''}: ${e.message}`;
    case 'undo-start':
      return `  undo ${e.stepId}@${e.node} start`;
    case 'undo-end':
      return `  undo ${e.stepId}@${e.node} ${e.outcome}${exitOf(e.exitCode)} in ${formatDuration(e.durationMs)}`;
    case 'node-unlock':
      return `unlocked ${e.node}: lock of run ${e.holder.runId} (${e.holder.user}@${e.holder.host}, pid ${e.holder.pid}, since ${e.holder.since})${e.forced ? ' (--force)' : ''}`;
    case 'host-key':
      return `recorded new host key ${e.fingerprint} for ${e.node} (${e.address}) in ${e.knownHostsFile}`;
    case 'run-end':
      return `run ${e.runId} ${e.outcome} in ${formatDuration(e.durationMs)}`;
  }
}
