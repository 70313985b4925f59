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

export type RunMode = 'run' | 'resume' | 'rollback' | 'rehearse' | 'drill';

export type RunEvent =
  | { kind: 'run-start'; runId: string; mode: RunMode; planHash: string; runbook: string; cluster: string; at: string }
  | { kind: 'phase-start'; phase: string; at: string }
  | { kind: 'phase-end'; phase: string; at: string }
  | { kind: 'step-start'; stepId: string; phase: string; nodes: string[]; at: string }
  | { kind: 'step-end'; stepId: string; outcome: 'done' | 'failed' | 'skipped'; at: string }
  | { kind: 'task-start'; stepId: string; node: string; attempt: number; commandDigest: string; at: string }
  | { kind: 'task-output'; stepId: string; node: string; stream: 'stdout' | 'stderr'; chunk: string }
  | { kind: 'task-retry'; stepId: string; node: string; attempt: number; reason: string; delayMs: number; at: string }
  | { kind: 'task-end'; stepId: string; node: string; outcome: TaskOutcome; exitCode?: number; durationMs: number; error?: string; at: string }
  | { kind: 'approval'; stepId: string; message: string; approvedBy: string; auto: boolean; at: string }
  | { kind: 'undo-start'; stepId: string; node: string; at: string }
  | { kind: 'undo-end'; stepId: string; node: string; outcome: 'done' | 'failed'; exitCode?: number; durationMs: number; at: string }
  | { kind: 'run-end'; runId: string; outcome: 'done' | 'failed' | 'rolled-back' | 'aborted'; durationMs: number; at: string };

export type RunEventKind = RunEvent['kind'];
