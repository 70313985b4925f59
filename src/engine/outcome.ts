// Transport errors → task outcomes. The transport throws KubedrError with a TRANSPORT_* code;
// anything else that escapes an action is a failure of the task, never of the engine.
import { KubedrError } from '../errors/index.js';
import type { TaskOutcome } from '../model/index.js';
import type { Redactor } from './redact.js';

export interface Classified {
  outcome: TaskOutcome;
  /** Retrying cannot help (host key refused, bad manifest, unresolved ref). */
  permanent: boolean;
  error: string;
}

export function classifyError(err: unknown, redactor: Redactor): Classified {
  const code = err instanceof KubedrError ? err.code : undefined;
  const text = redactor.redact(err instanceof KubedrError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));
  if (code === 'TRANSPORT_UNREACHABLE' || code === 'TRANSPORT_DNS_FAILED') return { outcome: 'unreachable', permanent: false, error: text };
  if (code === 'TRANSPORT_CONNECTION_LOST') return { outcome: 'connection-lost', permanent: false, error: text };
  if (code === 'TRANSPORT_TIMEOUT') return { outcome: 'timed-out', permanent: false, error: text };
  if (code?.startsWith('TRANSPORT_HOST_KEY')) return { outcome: 'unreachable', permanent: true, error: text };
  return { outcome: 'failed', permanent: code !== undefined && !code.startsWith('TRANSPORT_'), error: text };
}

/**
 * Whether another attempt may run. An idempotent step may always be re-run. Any other step only
 * when the transport never reached the node (`unreachable`): the command cannot have started.
 * A connection lost mid-command on a non-idempotent step is left to the operator (resume).
 */
export function mayRetry(outcome: TaskOutcome, permanent: boolean, idempotent: boolean): boolean {
  if (outcome === 'done' || permanent) return false;
  return idempotent || outcome === 'unreachable';
}
