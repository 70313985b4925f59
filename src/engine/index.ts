// Public surface of the engine: execute a Plan, unwind its undo stack.
export { executePlan, rollbackPlan } from './engine.js';
export { commandDigest, hasUndo } from './task.js';
export { Redactor, REDACTED } from './redact.js';
export { DEFAULT_OUTPUT_CAP } from './output.js';
export { manifestBackupPath } from './manifest-action.js';
export { parseHolder, releaseScript as releaseNodeLockScript, type NodeHolder } from './node-lock.js';
export type {
  Approve,
  ApprovalAnswer,
  ApprovalRequest,
  EngineDeps,
  EngineOptions,
  EventSink,
  NodeLockOptions,
  PriorState,
  RollbackPolicy,
  RunResult,
  TaskReport,
} from './types.js';
