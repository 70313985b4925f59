// Progress of a run as a discriminated union keyed by `kind`. Reporters, the journal and the
// audit log all consume these; none of them ever carries a secret value.

export type TaskOutcome =
  | 'done'
  | 'failed' // the command ran and exited non-zero
  | 'timed-out'
  | 'unreachable' // could not connect / authenticate
  | 'connection-lost' // connected, then lost mid-task
  | 'skipped'
  | 'rolled-back'
  | 'assumed-done';

/**
 * How far a long task is: bytes for an upload/download (with rate and ETA once they can be
 * estimated), elapsed time against the timeout for a wait. Emitted periodically by the engine;
 * reporters draw it (TTY) or print it every so often (plain, JSON). Never journaled.
 */
export type TaskProgress =
  | { what: 'upload' | 'download'; bytes: number; totalBytes?: number; bytesPerSec?: number; etaMs?: number; elapsedMs: number }
  | { what: 'wait'; elapsedMs: number; timeoutMs: number; polls: number };

export type RunMode = 'run' | 'resume' | 'rollback' | 'rehearse' | 'drill';

export type RunEvent =
  | { kind: 'run-start'; runId: string; mode: RunMode; planHash: string; runbook: string; cluster: string; at: string }
  | { kind: 'phase-start'; phase: string; at: string }
  | { kind: 'phase-end'; phase: string; at: string }
  | { kind: 'step-start'; stepId: string; phase: string; nodes: string[]; at: string }
  /** `reason`: why a step was skipped at run time (its `onlyIfChanged` step changed nothing). */
  | { kind: 'step-end'; stepId: string; outcome: 'done' | 'failed' | 'skipped'; reason?: string; at: string }
  | { kind: 'task-start'; stepId: string; node: string; attempt: number; commandDigest: string; at: string }
  | { kind: 'task-output'; stepId: string; node: string; stream: 'stdout' | 'stderr'; chunk: string }
  | ({ kind: 'task-progress'; stepId: string; node: string; at: string } & TaskProgress)
  | { kind: 'task-retry'; stepId: string; node: string; attempt: number; reason: string; delayMs: number; at: string }
  | { kind: 'task-end'; stepId: string; node: string; outcome: TaskOutcome; exitCode?: number; durationMs: number; error?: string; at: string }
  | {
      kind: 'approval';
      stepId: string;
      message: string;
      approvedBy: string;
      auto: boolean;
      at: string;
      /** False when the question was declined or could not be asked. @default true */
      approved?: boolean;
      /** `--yes`, an answer at the prompt, or no terminal to ask on (then not approved). */
      how?: 'yes' | 'prompt' | 'no-terminal';
      /** What was typed at the prompt. */
      answer?: string;
      /** OS user and host of the approver. */
      user?: string;
      host?: string;
    }
  | { kind: 'undo-start'; stepId: string; node: string; at: string }
  | { kind: 'undo-end'; stepId: string; node: string; outcome: 'done' | 'failed'; exitCode?: number; durationMs: number; at: string }
  /** A host key that --accept-new-host-keys recorded in known_hosts (audit only). */
  | { kind: 'host-key'; node: string; address: string; fingerprint: string; knownHostsFile: string; at: string }
  /** `kubedr unlock` released a node lock left by this run (audit only). */
  | { kind: 'node-unlock'; node: string; holder: { runId: string; user: string; host: string; pid: number; since: string }; holderAlive: boolean; forced: boolean; at: string }
  | { kind: 'run-end'; runId: string; outcome: 'done' | 'failed' | 'rolled-back' | 'aborted'; durationMs: number; at: string };

export type RunEventKind = RunEvent['kind'];
