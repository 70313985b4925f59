// The listr2 task tree the TTY reporter draws: phases → steps → nodes, plus a rollback section.
// Each task awaits signals fired by events (see signals.ts); node tasks show the event's duration,
// retries and outcome in their title. A step over more nodes than `collapseAbove` is one line with
// counts (node-tally.ts) and, once over, lists only its failed nodes.
import type { ListrTask, ListrTaskWrapper } from 'listr2';
import type { RunEvent, TaskOutcome } from '../model/index.js';
import { formatDuration, STATE_LABELS } from '../audit/format.js';
import type { NodeTally } from './node-tally.js';
import type { ProgressOutline } from './outline.js';
import { NOT_RUN, type SignalBoard } from './signals.js';

type TaskEnd = Extract<RunEvent, { kind: 'task-end' }>;
type UndoEnd = Extract<RunEvent, { kind: 'undo-end' }>;
export type StepStart = Extract<RunEvent, { kind: 'step-start' }>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Wrapper = ListrTaskWrapper<unknown, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Task = ListrTask<unknown, any, any>;

/** What the events have told so far; the reporter (listr.ts) writes it, the tasks read it. */
export interface TreeState {
  /** Secrets redacted and control characters escaped: every text from an event goes through it. */
  redact(s: string): string;
  collapseAbove: number;
  mode(): string;
  undoSeen(): boolean;
  stepStarts: SignalBoard<StepStart>;
  stepRan: SignalBoard<true>;
  /** Fired by step-end: a step task closes only then, so the duration is in its last title. */
  stepEnds: SignalBoard<true>;
  taskEnds: SignalBoard<TaskEnd>;
  undoStarted: SignalBoard<true>;
  undoEnds: SignalBoard<UndoEnd>;
  /** Wrappers by `step@node`, step id, or `undo step id`, for titles and output set by events. */
  wrappers: Map<string, Wrapper>;
  /** `retry n: reason` by `step@node`. */
  retries: Map<string, string>;
  /** Counts by step id or `undo step id`, for steps drawn as one line. */
  tallies: Map<string, NodeTally>;
  skippedSteps: Set<string>;
  /** The current title of a step (id, duration once over, counts when collapsed). */
  stepTitle(stepId: string): string;
  undoTitle(stepId: string): string;
}

const nodeTitle = (s: TreeState, key: string, node: string, tail = ''): string => `${node}${s.retries.has(key) ? ` (${s.retries.get(key) ?? ''})` : ''}${tail}`;

function settle(s: TreeState, t: Wrapper, node: string, outcome: TaskOutcome, exitCode?: number, error?: string): void {
  if (outcome === 'done') return;
  if (outcome === 'assumed-done') {
    t.title = `${t.title} (assumed done)`;
    return;
  }
  if (outcome === 'skipped') return t.skip('skipped');
  throw new Error(s.redact(`${node}: ${STATE_LABELS[outcome]}${exitCode !== undefined ? ` (exit ${exitCode})` : ''}${error ? `: ${error}` : ''}`));
}

function nodeTask(s: TreeState, stepId: string, node: string): Task {
  return {
    title: node,
    task: async (_ctx, t: Wrapper) => {
      const key = `${stepId}@${node}`;
      s.wrappers.set(key, t);
      t.title = nodeTitle(s, key, node);
      const end = await s.taskEnds.wait(key);
      if (end === NOT_RUN) return t.skip('not run');
      t.title = nodeTitle(s, key, node, ` [${formatDuration(end.durationMs)}]`);
      return settle(s, t, node, end.outcome, end.exitCode, end.error);
    },
  };
}

/** Untitled (listr2 draws nothing for it): keeps a step's subtree open until the step has ended. */
const stepEndTask = (s: TreeState, stepId: string): Task => ({ task: async () => void (await s.stepEnds.wait(stepId)) });

function stepTask(s: TreeState, stepId: string): Task {
  return {
    title: stepId,
    task: async (_ctx, t: Wrapper) => {
      s.wrappers.set(stepId, t);
      const start = await s.stepStarts.wait(stepId);
      if (start === NOT_RUN) return t.skip('not run');
      // A step that ends without any task (its `when` was false) is shown as one skipped line.
      const ran = await s.stepRan.wait(stepId);
      if (ran === NOT_RUN) return t.skip(s.skippedSteps.has(stepId) ? 'skipped' : 'not run');
      t.title = s.stepTitle(stepId);
      const tally = s.tallies.get(stepId);
      if (!tally) return t.newListr([...start.nodes.map((n) => nodeTask(s, stepId, n)), stepEndTask(s, stepId)], { concurrent: true, exitOnError: false });
      const ends = await Promise.all(start.nodes.map((n) => s.taskEnds.wait(`${stepId}@${n}`)));
      await s.stepEnds.wait(stepId);
      ends.forEach((e, i) => e === NOT_RUN && tally.end(start.nodes[i] ?? '', 'not-run'));
      t.title = s.stepTitle(stepId);
      if (tally.failed.length === 0) return undefined;
      return t.newListr(tally.failed.map((n) => nodeTask(s, stepId, n)), { concurrent: true, exitOnError: false });
    },
  };
}

function undoNodeTask(s: TreeState, stepId: string, node: string): Task {
  return {
    title: node,
    task: async (_ctx, t: Wrapper) => {
      const end = await s.undoEnds.wait(`${stepId}@${node}`);
      if (end === NOT_RUN) return t.skip('nothing to undo');
      t.title = `${node} [${formatDuration(end.durationMs)}]`;
      if (end.outcome === 'failed') throw new Error(s.redact(`${node}: undo failed${end.exitCode !== undefined ? ` (exit ${end.exitCode})` : ''}`));
    },
  };
}

function undoStepTask(s: TreeState, stepId: string, undoNodes: readonly string[]): Task {
  return {
    title: `undo ${stepId}`,
    task: async (_c, st: Wrapper) => {
      // Skip the whole undo step when every node settled without undoing it.
      const ends = Promise.all(undoNodes.map((n) => s.undoEnds.wait(`${stepId}@${n}`)));
      const settled = ends.then(() => NOT_RUN);
      if ((await Promise.race([s.undoStarted.wait(stepId), settled])) === NOT_RUN) return st.skip('nothing to undo');
      const tally = s.tallies.get(`undo ${stepId}`);
      if (!tally) return st.newListr(undoNodes.map((n) => undoNodeTask(s, stepId, n)), { concurrent: true, exitOnError: false });
      s.wrappers.set(`undo ${stepId}`, st);
      st.title = s.undoTitle(stepId);
      (await ends).forEach((e, i) => e === NOT_RUN && tally.end(undoNodes[i] ?? '', 'skipped'));
      st.title = s.undoTitle(stepId);
      if (tally.failed.length === 0) return undefined;
      return st.newListr(tally.failed.map((n) => undoNodeTask(s, stepId, n)), { concurrent: true, exitOnError: false });
    },
  };
}

export function buildTree(s: TreeState, outline: ProgressOutline): Task[] {
  const rollbackSteps = outline.phases.flatMap((p) => p.steps).filter((st) => st.undoNodes.length > 0).reverse();
  return [
    ...outline.phases.map((p): Task => ({
      title: p.name,
      enabled: () => s.mode() !== 'rollback',
      task: (_ctx, t: Wrapper) => t.newListr(p.steps.map((st) => stepTask(s, st.id)), { concurrent: false, exitOnError: false }),
    })),
    {
      title: 'rollback',
      // Re-checked when its turn comes, i.e. after the forward phases have settled.
      enabled: () => s.mode() === 'rollback' || s.undoSeen(),
      task: (_ctx, t: Wrapper) => t.newListr(rollbackSteps.map((st) => undoStepTask(s, st.id, st.undoNodes)), { concurrent: false, exitOnError: false }),
    },
  ];
}
