// The audit record format (v1) and the mapping from RunEvents. One JSON object per line; the
// envelope (seq, prev, who) is added by the sink, the `hash` suffix is added last (see chain.ts).
import type { RunEvent, RunMode, TaskOutcome } from '../model/index.js';

export interface Operator {
  user: string;
  host: string;
}

/** What the run acts on; from the Plan, so the audit names runbook and inventory by hash. */
export interface AuditSubject {
  runbook?: { name: string; hash: string };
  inventoryHash?: string;
}

export type AuditBody =
  | { type: 'run-start'; mode: RunMode; runbook: string; runbookHash?: string; planHash: string; cluster: string; inventoryHash?: string }
  | { type: 'phase-start'; phase: string }
  | { type: 'phase-end'; phase: string }
  | { type: 'step-start'; stepId: string; phase: string; nodes: string[] }
  | { type: 'step-end'; stepId: string; outcome: 'done' | 'failed' | 'skipped'; reason?: string }
  | { type: 'task-start'; stepId: string; node: string; attempt: number; commandDigest: string }
  | { type: 'task-retry'; stepId: string; node: string; attempt: number; reason: string; delayMs: number }
  | { type: 'task-end'; stepId: string; node: string; outcome: TaskOutcome; exitCode?: number; durationMs: number; error?: string }
  | {
      type: 'approval';
      stepId: string;
      message: string;
      approvedBy: string;
      auto: boolean;
      /** Absent in records written before it existed: those were all approvals. */
      approved?: boolean;
      how?: 'yes' | 'prompt' | 'no-terminal';
      answer?: string;
      user?: string;
      host?: string;
    }
  | { type: 'undo-start'; stepId: string; node: string }
  | { type: 'undo-end'; stepId: string; node: string; outcome: 'done' | 'failed'; exitCode?: number; durationMs: number }
  | { type: 'host-key'; node: string; address: string; fingerprint: string; knownHostsFile: string }
  | { type: 'node-unlock'; node: string; holder: { runId: string; user: string; host: string; pid: number; since: string }; holderAlive: boolean; forced: boolean }
  | { type: 'run-end'; outcome: 'done' | 'failed' | 'rolled-back' | 'aborted'; durationMs: number };

export type AuditRecordType = AuditBody['type'];

export interface AuditEnvelope {
  v: 1;
  seq: number;
  /** sha256 (hex) of the previous line's exact bytes; genesisHash(runId) for the first line. */
  prev: string;
  runId: string;
  at: string;
  who: Operator;
}

export type AuditRecord = AuditEnvelope & AuditBody & { hash: string };

const DIGEST = /^(sha256:)?[0-9a-f]{64}$/;
const MAX_ERROR = 500;

/**
 * Maps an event to the body of an audit record, or undefined for events that are not audit
 * material (command output lives in the journal). Free text is capped; `digest` is applied to
 * anything in the commandDigest slot that does not look like a digest, so a command text (which
 * may embed a secret) can never land in the log by mistake.
 */
export function auditBodyOf(event: RunEvent, subject: AuditSubject, digest: (s: string) => string): AuditBody | undefined {
  switch (event.kind) {
    case 'task-output':
      return undefined;
    case 'run-start': {
      const body: AuditBody = { type: 'run-start', mode: event.mode, runbook: event.runbook, planHash: event.planHash, cluster: event.cluster };
      if (subject.runbook?.hash !== undefined) body.runbookHash = subject.runbook.hash;
      if (subject.inventoryHash !== undefined) body.inventoryHash = subject.inventoryHash;
      return body;
    }
    case 'phase-start':
    case 'phase-end':
      return { type: event.kind, phase: event.phase };
    case 'step-start':
      return { type: 'step-start', stepId: event.stepId, phase: event.phase, nodes: [...event.nodes] };
    case 'step-end':
      return { type: 'step-end', stepId: event.stepId, outcome: event.outcome, ...(event.reason !== undefined ? { reason: event.reason } : {}) };
    case 'task-start': {
      const d = DIGEST.test(event.commandDigest) ? event.commandDigest : `sha256:${digest(event.commandDigest)}`;
      return { type: 'task-start', stepId: event.stepId, node: event.node, attempt: event.attempt, commandDigest: d };
    }
    case 'task-retry':
      return { type: 'task-retry', stepId: event.stepId, node: event.node, attempt: event.attempt, reason: cap(event.reason), delayMs: event.delayMs };
    case 'task-end': {
      const body: AuditBody = { type: 'task-end', stepId: event.stepId, node: event.node, outcome: event.outcome, durationMs: event.durationMs };
      if (event.exitCode !== undefined) body.exitCode = event.exitCode;
      if (event.error !== undefined) body.error = cap(event.error);
      return body;
    }
    case 'approval': {
      const body: AuditBody = { type: 'approval', stepId: event.stepId, message: cap(event.message), approvedBy: event.approvedBy, auto: event.auto };
      if (event.approved !== undefined) body.approved = event.approved;
      if (event.how !== undefined) body.how = event.how;
      if (event.answer !== undefined) body.answer = cap(event.answer);
      if (event.user !== undefined) body.user = event.user;
      if (event.host !== undefined) body.host = event.host;
      return body;
    }
    case 'undo-start':
      return { type: 'undo-start', stepId: event.stepId, node: event.node };
    case 'undo-end': {
      const body: AuditBody = { type: 'undo-end', stepId: event.stepId, node: event.node, outcome: event.outcome, durationMs: event.durationMs };
      if (event.exitCode !== undefined) body.exitCode = event.exitCode;
      return body;
    }
    case 'host-key':
      return { type: 'host-key', node: event.node, address: event.address, fingerprint: event.fingerprint, knownHostsFile: event.knownHostsFile };
    case 'node-unlock':
      return { type: 'node-unlock', node: event.node, holder: { ...event.holder }, holderAlive: event.holderAlive, forced: event.forced };
    case 'run-end':
      return { type: 'run-end', outcome: event.outcome, durationMs: event.durationMs };
  }
}

function cap(s: string): string {
  return s.length > MAX_ERROR ? `${s.slice(0, MAX_ERROR)}…` : s;
}
