// What the engine is given (never reaches for globals) and what it returns.
import type { JournalSink } from '../journal/index.js';
import type { RunEvent, RunMode, TaskOutcome, Transport } from '../model/index.js';

export type EventSink = (event: RunEvent) => void;

export interface ApprovalRequest {
  /** `step`: a step's `confirm` text; `confirm`: a confirm action; `rollback`: policy prompt. */
  kind: 'step' | 'confirm' | 'rollback';
  stepId: string;
  message: string;
}

/** What the operator answered, and how it was asked (recorded in the audit). */
export interface ApprovalAnswer {
  approved: boolean;
  /** `prompt`: asked on a terminal; `no-terminal`: could not ask (not approved, not declined). */
  how: 'prompt' | 'no-terminal';
  /** The typed answer (`y`, `no`, empty), for the record. */
  answer?: string;
}

/** Asks the operator; true (or an approved answer) to go ahead. */
export type Approve = (req: ApprovalRequest) => Promise<boolean | ApprovalAnswer>;

export interface EngineDeps {
  /** Reaches the inventory nodes (ssh2 in production). */
  transport: Transport;
  /** Runs `local` actions on the operator machine, node name LOCAL_NODE. */
  localTransport: Transport;
  journal: JournalSink;
  sinks: EventSink[];
  /** Epoch milliseconds. */
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  approve: Approve;
  /** Told each secret value learned at run time (a captured token), e.g. for the audit sink's own scrubbing. */
  onSecret?: (value: string) => void;
}

export type RollbackPolicy = 'auto' | 'prompt' | 'never';

export interface NodeLockOptions {
  /** Directory created atomically with `mkdir` on each node. @default '/var/lib/kubedr/lock' */
  dir: string;
  sudo: boolean;
  user: string;
  host: string;
  pid: number;
}

export interface EngineOptions {
  runId: string;
  mode: RunMode;
  /** Values of the plan's secret params, by name. */
  secrets: Record<string, string>;
  /** Global cap on parallel tasks. @default 16 */
  concurrency: number;
  /** Auto-approve confirmations (`--yes`). @default false */
  yes: boolean;
  /** What to do when a step fails. @default 'prompt' */
  rollback: RollbackPolicy;
  /** Bytes of stdout/stderr kept per task. @default 65536 */
  outputCap: number;
  /** Per-node locks; false only for tests that do not exercise them. */
  nodeLock: NodeLockOptions | false;
  /** Recorded as `approvedBy` (user@host). */
  operator: string;
  /** The OS user and host behind `operator`, recorded apart with each approval. */
  approver?: { user: string; host: string };
  /** How long past a step's timeout an exec may hang before the engine gives up on it. @default 5000 */
  watchdogGraceMs?: number;
}

/** What an earlier process of the same run left behind (from the journal). */
export interface PriorState {
  completed: ReadonlySet<string>;
  /** Non-secret captures by task key. */
  captures: ReadonlyMap<string, string>;
  /** Task keys whose capture was secret: obtained again by re-running that task's action. */
  withheld: ReadonlySet<string>;
  /** Task keys with an undo, bottom first. */
  undoStack: readonly string[];
  /** Completed task keys that reported no change (for `onlyIfChanged`); absent: all changed. */
  unchanged?: ReadonlySet<string>;
}

export interface TaskReport {
  key: string;
  outcome: TaskOutcome;
  exitCode?: number;
  durationMs: number;
  attempts: number;
  stdout: string;
  stderr: string;
  error?: string;
}

export interface RunResult {
  runId: string;
  outcome: 'done' | 'failed' | 'rolled-back' | 'aborted';
  /** Tasks run by this process, by key (redacted, size-capped output). */
  tasks: Map<string, TaskReport>;
  failedStep?: string;
  /** Set when a rollback ran and did not finish: the run needs `kubedr rollback` again. */
  rollbackIncomplete?: boolean;
}
