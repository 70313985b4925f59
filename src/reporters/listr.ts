// The TTY reporter: a listr2 tree (listr-tree.ts) driven by RunEvents. Events only record what
// happened and fire signals; the tree is drawn by ThrottledRenderer at a bounded rate, so a burst
// of output or a fan-out over many hosts costs the run almost no CPU.
import { Listr, type ListrRendererValue } from 'listr2';
import type { RunEvent } from '../model/index.js';
import { formatDuration } from '../audit/format.js';
import { escapeControls, escapeOutputLine } from '../errors/escape.js';
import { redactSecrets, secretsOf, type SecretSource } from '../errors/redact.js';
import { dumpTask } from './listr-snapshot.js';
import { rendererOptionsFor, ThrottledRenderer, type Terminal } from './listr-renderer.js';
import { buildTree, type StepStart, type TreeState } from './listr-tree.js';
import { NodeTally } from './node-tally.js';
import type { ProgressOutline } from './outline.js';
import { formatProgress } from './progress.js';
import { NOT_RUN, SignalBoard } from './signals.js';
import type { Reporter } from './types.js';

export interface ListrReporterOptions {
  outline: ProgressOutline;
  secrets?: SecretSource;
  /**
   * 'default' redraws the tree in place (at most 4 times a second) when `terminal.stdout` is a
   * TTY, else prints it line by line like 'simple'. Tests use 'silent' and read snapshotTree().
   * @default 'default'
   */
  renderer?: 'default' | 'simple' | 'silent';
  /** Where the tree is drawn. @default process.stdout and process.stderr */
  terminal?: Terminal;
  /** A step on more nodes than this is one line with counts, listing only its failed nodes. @default 10 */
  collapseAbove?: number;
}

export interface ListrReporter extends Reporter {
  /** Titles and states of the tree, for tests. */
  snapshotTree(): string;
}

type Root = Listr<unknown, ListrRendererValue, ListrRendererValue>;

export function createListrReporter(opts: ListrReporterOptions): ListrReporter {
  const forwardIndex = new Map<string, number>();
  opts.outline.phases.flatMap((p) => p.steps).forEach((s, i) => forwardIndex.set(s.id, i));
  const stepMs = new Map<string, number>();
  const stepStartedAt = new Map<string, number>();
  let mode = 'run';
  let undoSeen = false;
  const s: TreeState = {
    // Everything drawn from event text: secrets out, then control characters made visible.
    redact: (text) => escapeControls(redactSecrets(text, secretsOf(opts.secrets))),
    collapseAbove: opts.collapseAbove ?? 10,
    mode: () => mode,
    undoSeen: () => undoSeen,
    stepStarts: new SignalBoard<StepStart>(),
    stepRan: new SignalBoard<true>(),
    stepEnds: new SignalBoard<true>(),
    taskEnds: new SignalBoard(),
    undoStarted: new SignalBoard<true>(),
    undoEnds: new SignalBoard(),
    wrappers: new Map(),
    retries: new Map(),
    tallies: new Map(),
    skippedSteps: new Set(),
    stepTitle: (id) => {
      const ms = stepMs.get(id);
      const tally = s.tallies.get(id);
      return `${id}${ms !== undefined ? ` [${formatDuration(ms)}]` : ''}${tally ? ` — ${tally.summary()}` : ''}`;
    },
    undoTitle: (id) => `undo ${id}${s.tallies.has(`undo ${id}`) ? ` — ${s.tallies.get(`undo ${id}`)?.summary() ?? ''}` : ''}`,
  };
  // Undo counts exist from the start: the undo events come in before their step task runs.
  for (const st of opts.outline.phases.flatMap((p) => p.steps)) {
    if (st.undoNodes.length > s.collapseAbove) s.tallies.set(`undo ${st.id}`, new NodeTally(st.undoNodes, 'undone'));
  }
  let root: Root | undefined;
  let running: Promise<unknown> | undefined;

  /** Titles are rewritten only when they change; each rewrite asks listr2 for a repaint. */
  const retitle = (key: string, title: string): void => {
    const w = s.wrappers.get(key);
    if (w && w.title !== title) w.title = title;
  };

  const start = (): Root => {
    const terminal = opts.terminal ?? { stdout: process.stdout, stderr: process.stderr };
    const kind = opts.renderer ?? 'default';
    const redraw = kind === 'default' && terminal.stdout.isTTY === true;
    return new Listr<unknown, ListrRendererValue, ListrRendererValue>(buildTree(s, opts.outline), {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false, // the engine owns SIGINT (abort, journal, unlock)
      renderer: redraw ? ThrottledRenderer : kind === 'default' ? 'simple' : kind,
      rendererOptions: { collapseSubtasks: false, collapseErrors: false, collapseSkips: false, ...(redraw ? rendererOptionsFor(terminal) : {}) },
    });
  };

  const onEvent = (e: RunEvent): void => {
    switch (e.kind) {
      case 'run-start':
        mode = e.mode;
        if (!root) {
          root = start();
          running = root.run().catch(() => undefined);
        }
        break;
      case 'step-start':
        stepStartedAt.set(e.stepId, Date.parse(e.at));
        if (e.nodes.length > s.collapseAbove) s.tallies.set(e.stepId, new NodeTally(e.nodes));
        s.stepStarts.fire(e.stepId, e);
        break;
      case 'step-end': {
        s.taskEnds.abandon((k) => k.startsWith(`${e.stepId}@`));
        if (e.outcome === 'skipped') s.skippedSteps.add(e.stepId);
        else stepMs.set(e.stepId, Date.parse(e.at) - (stepStartedAt.get(e.stepId) ?? Date.parse(e.at)));
        s.stepRan.fire(e.stepId, NOT_RUN);
        if (!s.skippedSteps.has(e.stepId)) retitle(e.stepId, s.stepTitle(e.stepId));
        s.stepEnds.fire(e.stepId, true);
        break;
      }
      case 'task-retry': {
        const key = `${e.stepId}@${e.node}`;
        s.retries.set(key, escapeControls(s.redact(`retry ${e.attempt - 1}: ${e.reason}`), { newlines: false }));
        s.tallies.get(e.stepId)?.retry();
        retitle(key, `${e.node} (${s.retries.get(key) ?? ''})`);
        retitle(e.stepId, s.stepTitle(e.stepId));
        break;
      }
      case 'task-start':
        s.stepRan.fire(e.stepId, true);
        s.tallies.get(e.stepId)?.start(e.node);
        retitle(e.stepId, s.stepTitle(e.stepId));
        break;
      case 'task-output': {
        // The last non-empty line, under the running node (listr2's output bar; gone when done),
        // or under the step when its nodes are not drawn one by one.
        const line = e.chunk.split('\n').map((l) => escapeOutputLine(l).trim()).filter(Boolean).at(-1);
        if (line === undefined) break;
        const node = s.wrappers.get(`${e.stepId}@${e.node}`);
        const w = node ?? (s.tallies.has(e.stepId) ? s.wrappers.get(e.stepId) : undefined);
        const text = s.redact(node ? line : `${e.node}: ${line}`);
        if (w && w.output !== text) w.output = text;
        break;
      }
      case 'task-progress': {
        // Bytes, rate and ETA (or wait time) under the running node; the renderer's throttle
        // bounds how often this is drawn.
        const node = s.wrappers.get(`${e.stepId}@${e.node}`);
        const w = node ?? (s.tallies.has(e.stepId) ? s.wrappers.get(e.stepId) : undefined);
        const text = node ? formatProgress(e) : `${e.node}: ${formatProgress(e)}`;
        if (w && w.output !== text) w.output = text;
        break;
      }
      case 'task-end': {
        const key = `${e.stepId}@${e.node}`;
        s.stepRan.fire(e.stepId, true);
        const tally = s.tallies.get(e.stepId);
        if (tally && !s.taskEnds.has(key)) tally.end(e.node, e.outcome === 'done' || e.outcome === 'assumed-done' ? 'done' : e.outcome === 'skipped' ? 'skipped' : 'failed');
        s.taskEnds.fire(key, e);
        retitle(e.stepId, s.stepTitle(e.stepId));
        break;
      }
      case 'undo-start': {
        s.undoStarted.fire(e.stepId, true);
        s.tallies.get(`undo ${e.stepId}`)?.start(e.node);
        if (!undoSeen) {
          undoSeen = true;
          // Rollback began: forward steps that have not started never will.
          s.stepStarts.abandon();
          s.stepRan.abandon();
          s.taskEnds.abandon();
          s.stepEnds.abandon();
        }
        // Per node the undo stack unwinds in reverse order: once a node undoes step k, undos of
        // later steps on that node are over.
        const k = forwardIndex.get(e.stepId) ?? -1;
        s.undoEnds.abandon((key) => key.endsWith(`@${e.node}`) && (forwardIndex.get(key.slice(0, key.length - e.node.length - 1)) ?? -1) > k);
        retitle(`undo ${e.stepId}`, s.undoTitle(e.stepId));
        break;
      }
      case 'undo-end': {
        const key = `${e.stepId}@${e.node}`;
        if (!s.undoEnds.has(key)) s.tallies.get(`undo ${e.stepId}`)?.end(e.node, e.outcome === 'failed' ? 'failed' : 'done');
        s.undoEnds.fire(key, e);
        retitle(`undo ${e.stepId}`, s.undoTitle(e.stepId));
        break;
      }
      case 'run-end':
        for (const board of [s.stepStarts, s.stepRan, s.stepEnds, s.taskEnds, s.undoStarted, s.undoEnds]) board.abandon();
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
