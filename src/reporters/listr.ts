// The TTY reporter: a listr2 tree phases → steps → nodes (plus a rollback section) driven by
// RunEvents. The tree comes from the plan outline; each task awaits signals fired by events,
// node tasks show the event's duration, retries and outcome in their title.
import { Listr, type ListrRendererValue, type ListrTask, type ListrTaskWrapper } from 'listr2';
import type { RunEvent, TaskOutcome } from '../model/index.js';
import { formatDuration, STATE_LABELS } from '../audit/format.js';
import { redactSecrets, secretsOf, type SecretSource } from '../audit/redact.js';
import type { ProgressOutline } from './outline.js';
import { dumpTask } from './listr-snapshot.js';
import { NOT_RUN, SignalBoard } from './signals.js';
import type { Reporter } from './types.js';

export interface ListrReporterOptions {
  outline: ProgressOutline;
  secrets?: SecretSource;
  /** listr2 renderer; tests use 'silent' and read snapshotTree(). @default 'default' */
  renderer?: 'default' | 'simple' | 'silent';
}

type TaskEnd = Extract<RunEvent, { kind: 'task-end' }>;
type UndoEnd = Extract<RunEvent, { kind: 'undo-end' }>;
type StepStart = Extract<RunEvent, { kind: 'step-start' }>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wrapper = ListrTaskWrapper<unknown, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Task = ListrTask<unknown, any, any>;

export interface ListrReporter extends Reporter {
  /** Titles and states of the tree, for tests. */
  snapshotTree(): string;
}

export function createListrReporter(opts: ListrReporterOptions): ListrReporter {
  const redact = (s: string): string => redactSecrets(s, secretsOf(opts.secrets));
  const stepStarts = new SignalBoard<StepStart>();
  const stepEnds = new SignalBoard<{ outcome: string; ms: number }>();
  const taskEnds = new SignalBoard<TaskEnd>();
  const stepRan = new SignalBoard<true>();
  const undoStarted = new SignalBoard<true>();
  const stepTitles = new Map<string, string>();
  const skippedSteps = new Set<string>();
  const undoEnds = new SignalBoard<UndoEnd>();
  const wrappers = new Map<string, Wrapper>();
  const retries = new Map<string, string>();
  const stepStartedAt = new Map<string, number>();
  const forwardIndex = new Map<string, number>();
  opts.outline.phases.flatMap((p) => p.steps).forEach((s, i) => forwardIndex.set(s.id, i));
  let mode = 'run';
  let undoSeen = false;
  let root: Listr<unknown, ListrRendererValue, ListrRendererValue> | undefined;
  let running: Promise<unknown> | undefined;

  const nodeTitle = (key: string, node: string, tail = ''): string => `${node}${retries.has(key) ? ` (${retries.get(key) ?? ''})` : ''}${tail}`;

  const nodeTask = (stepId: string, node: string): Task => ({
    title: node,
    task: async (_ctx, t: Wrapper) => {
      const key = `${stepId}@${node}`;
      wrappers.set(key, t);
      t.title = nodeTitle(key, node);
      const end = await taskEnds.wait(key);
      if (end === NOT_RUN) return t.skip('not run');
      t.title = nodeTitle(key, node, ` [${formatDuration(end.durationMs)}]`);
      return settle(t, node, end.outcome, end.exitCode, end.error);
    },
  });

  const settle = (t: Wrapper, node: string, outcome: TaskOutcome, exitCode?: number, error?: string): void => {
    if (outcome === 'done') return;
    if (outcome === 'assumed-done') {
      t.title = `${t.title} (assumed done)`;
      return;
    }
    if (outcome === 'skipped') return t.skip('skipped');
    throw new Error(redact(`${node}: ${STATE_LABELS[outcome]}${exitCode !== undefined ? ` (exit ${exitCode})` : ''}${error ? `: ${error}` : ''}`));
  };

  const stepTask = (stepId: string): Task => ({
    title: stepId,
    task: async (_ctx, t: Wrapper) => {
      wrappers.set(stepId, t);
      const start = await stepStarts.wait(stepId);
      if (start === NOT_RUN) return t.skip('not run');
      // A step that ends without any task (its `when` was false) is shown as one skipped line.
      const ran = await stepRan.wait(stepId);
      if (ran === NOT_RUN) return t.skip(skippedSteps.has(stepId) ? 'skipped' : 'not run');
      if (stepTitles.has(stepId)) t.title = stepTitles.get(stepId) ?? stepId;
      return t.newListr(start.nodes.map((n) => nodeTask(stepId, n)), { concurrent: true, exitOnError: false });
    },
  });

  const undoNodeTask = (stepId: string, node: string): Task => ({
    title: node,
    task: async (_ctx, t: Wrapper) => {
      const end = await undoEnds.wait(`${stepId}@${node}`);
      if (end === NOT_RUN) return t.skip('nothing to undo');
      t.title = `${node} [${formatDuration(end.durationMs)}]`;
      if (end.outcome === 'failed') throw new Error(redact(`${node}: undo failed${end.exitCode !== undefined ? ` (exit ${end.exitCode})` : ''}`));
    },
  });

  const rollbackSteps = opts.outline.phases.flatMap((p) => p.steps).filter((s) => s.undoNodes.length > 0).reverse();
  const tree = (): Task[] => [
    ...opts.outline.phases.map((p): Task => ({
      title: p.name,
      enabled: () => mode !== 'rollback',
      task: (_ctx, t: Wrapper) => t.newListr(p.steps.map((s) => stepTask(s.id)), { concurrent: false, exitOnError: false }),
    })),
    {
      title: 'rollback',
      // Re-checked when its turn comes, i.e. after the forward phases have settled.
      enabled: () => mode === 'rollback' || undoSeen,
      task: (_ctx, t: Wrapper) => t.newListr(rollbackSteps.map((s): Task => ({
        title: `undo ${s.id}`,
        task: async (_c, st: Wrapper) => {
          // Skip the whole undo step when every node settled without undoing it.
          const settled = Promise.all(s.undoNodes.map((n) => undoEnds.wait(`${s.id}@${n}`))).then(() => NOT_RUN);
          if ((await Promise.race([undoStarted.wait(s.id), settled])) === NOT_RUN) return st.skip('nothing to undo');
          return st.newListr(s.undoNodes.map((n) => undoNodeTask(s.id, n)), { concurrent: true, exitOnError: false });
        },
      })), { concurrent: false, exitOnError: false }),
    },
  ];

  const onEvent = (e: RunEvent): void => {
    switch (e.kind) {
      case 'run-start':
        mode = e.mode;
        if (!root) {
          root = new Listr<unknown, ListrRendererValue, ListrRendererValue>(tree(), {
            concurrent: false,
            exitOnError: false,
            registerSignalListeners: false, // the engine owns SIGINT (abort, journal, unlock)
            renderer: opts.renderer ?? 'default',
            rendererOptions: { collapseSubtasks: false, collapseErrors: false, collapseSkips: false },
          });
          running = root.run().catch(() => undefined);
        }
        break;
      case 'step-start':
        stepStartedAt.set(e.stepId, Date.parse(e.at));
        stepStarts.fire(e.stepId, e);
        break;
      case 'step-end': {
        const ms = Date.parse(e.at) - (stepStartedAt.get(e.stepId) ?? Date.parse(e.at));
        stepEnds.fire(e.stepId, { outcome: e.outcome, ms });
        taskEnds.abandon((k) => k.startsWith(`${e.stepId}@`));
        if (e.outcome === 'skipped') skippedSteps.add(e.stepId);
        else stepTitles.set(e.stepId, `${e.stepId} [${formatDuration(ms)}]`);
        stepRan.fire(e.stepId, NOT_RUN);
        const w = wrappers.get(e.stepId);
        if (w && stepTitles.has(e.stepId)) w.title = stepTitles.get(e.stepId) ?? e.stepId;
        break;
      }
      case 'task-retry': {
        const key = `${e.stepId}@${e.node}`;
        retries.set(key, redact(`retry ${e.attempt - 1}: ${e.reason}`));
        const w = wrappers.get(key);
        if (w) w.title = nodeTitle(key, e.node);
        break;
      }
      case 'task-start':
        stepRan.fire(e.stepId, true);
        break;
      case 'task-output': {
        // The last non-empty line, under the running node (listr2's output bar; gone when done).
        const line = e.chunk.split('\n').map((l) => l.replace(/\r/g, '').trim()).filter(Boolean).at(-1);
        const w = wrappers.get(`${e.stepId}@${e.node}`);
        if (w && line !== undefined) w.output = redact(line);
        break;
      }
      case 'task-end':
        stepRan.fire(e.stepId, true);
        taskEnds.fire(`${e.stepId}@${e.node}`, e);
        break;
      case 'undo-start': {
        undoStarted.fire(e.stepId, true);
        if (!undoSeen) {
          undoSeen = true;
          // Rollback began: forward steps that have not started never will.
          stepStarts.abandon();
          stepRan.abandon();
          taskEnds.abandon();
        }
        // Per node the undo stack unwinds in reverse order: once a node undoes step k, undos of
        // later steps on that node are over.
        const k = forwardIndex.get(e.stepId) ?? -1;
        undoEnds.abandon((key) => key.endsWith(`@${e.node}`) && (forwardIndex.get(key.slice(0, key.length - e.node.length - 1)) ?? -1) > k);
        break;
      }
      case 'undo-end':
        undoEnds.fire(`${e.stepId}@${e.node}`, e);
        break;
      case 'run-end':
        for (const board of [stepStarts, stepEnds, stepRan, taskEnds, undoStarted, undoEnds]) board.abandon();
        break;
      default:
        break;
    }
  };

  return {
    onEvent,
    async close() {
      // Whatever has not happened by now will not: let every waiting task settle.
      onEvent({ kind: 'run-end', runId: '', outcome: 'aborted', durationMs: 0, at: new Date(0).toISOString() });
      await running;
    },
    snapshotTree: () => (root ? root.tasks.map((t) => dumpTask(t, 0)).join('') : ''),
  };
}
