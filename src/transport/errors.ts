// One error class per transport failure, each with a stable code. The engine tells the
// outcomes apart by `failure` (also set as `cause`, per the TransportFailure contract in
// src/model/transport.ts): a non-zero exit is never an error, it is an ExecResult.
import type { TransportFailure } from '../model/index.js';
import { KubedrError } from '../errors/index.js';
import { redactSecrets } from '../errors/redact.js';

export const TRANSPORT_CODES = {
  unreachable: 'TRANSPORT_UNREACHABLE',
  /** The node's host name does not resolve (a typo in the inventory, or DNS down). */
  dnsFailed: 'TRANSPORT_DNS_FAILED',
  authFailed: 'TRANSPORT_AUTH_FAILED',
  connectionLost: 'TRANSPORT_CONNECTION_LOST',
  timeout: 'TRANSPORT_TIMEOUT',
  hostKeyUnknown: 'TRANSPORT_HOST_KEY_UNKNOWN',
  hostKeyChanged: 'TRANSPORT_HOST_KEY_CHANGED',
  hostKeyRevoked: 'TRANSPORT_HOST_KEY_REVOKED',
  checksumMismatch: 'TRANSPORT_CHECKSUM_MISMATCH',
  transferFailed: 'TRANSPORT_TRANSFER_FAILED',
  aborted: 'TRANSPORT_ABORTED',
  sudoPasswordRejected: 'TRANSPORT_SUDO_PASSWORD_REJECTED',
  unknownNode: 'TRANSPORT_UNKNOWN_NODE',
  closed: 'TRANSPORT_CLOSED',
} as const;

export type TransportCode = (typeof TRANSPORT_CODES)[keyof typeof TRANSPORT_CODES];

/**
 * A failure to reach or talk to a node. `failure` is set for the outcomes the engine treats
 * differently from a failed command (unreachable, connection-lost, timeout, host-key).
 */
export class TransportError extends KubedrError {
  readonly node: string;
  readonly failure: TransportFailure | undefined;
  /** The low-level error (already redacted into `message`); not `cause`, which holds `failure`. */
  readonly detail: unknown;

  constructor(code: TransportCode, node: string, message: string, opts: { failure?: TransportFailure; hint?: string; detail?: unknown } = {}) {
    const base: { hint?: string; cause?: unknown } = {};
    if (opts.hint !== undefined) base.hint = opts.hint;
    if (opts.failure !== undefined) base.cause = opts.failure;
    super(code, `${node}: ${message}`, base);
    this.name = 'TransportError';
    this.node = node;
    this.failure = opts.failure;
    this.detail = opts.detail;
  }
}

/** The TransportFailure of an error, whichever way it was raised (own class, or `cause`). */
export function transportFailureOf(err: unknown): TransportFailure | undefined {
  if (err instanceof TransportError) return err.failure;
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause === 'unreachable' || cause === 'connection-lost' || cause === 'timeout' || cause === 'host-key') return cause;
  return undefined;
}

/** True for failures worth a retry after reconnecting (the engine still decides by idempotence). */
export function isTransientTransportError(err: unknown): boolean {
  const f = transportFailureOf(err);
  return f === 'unreachable' || f === 'connection-lost';
}

/**
 * Every secret in `text` replaced by the one mark used everywhere (`[REDACTED]`): the canonical
 * scrubber, so command output and error text read the same as the audit log, journal and console.
 */
export function redact(text: string, secrets: readonly string[]): string {
  return redactSecrets(text, secrets);
}

/** Message of a low-level error, with secrets removed. */
export function describe(err: unknown, secrets: readonly string[] = []): string {
  const msg = err instanceof Error ? err.message : String(err);
  return redact(msg, secrets);
}

/**
 * SSH_MSG_CHANNEL_OPEN_FAILURE reasons that mean "not now" for a session channel:
 * ADMINISTRATIVELY_PROHIBITED (1), CONNECT_FAILED (2: OpenSSH's "open failed" once a connection
 * has MaxSessions sessions) and RESOURCE_SHORTAGE (4). UNKNOWN_CHANNEL_TYPE (3) is not.
 */
const OPEN_REFUSED = new Set<unknown>([1, 2, 4]);

/** The server refused to open a session channel (ssh2 puts the SSH reason code on the error). */
export function isChannelRefused(err: unknown): boolean {
  return err instanceof Error && OPEN_REFUSED.has((err as { reason?: unknown }).reason);
}

/** A channel that could not be opened: nothing ran on the node, so any step may be retried. */
export function channelError(node: string, err: unknown, secrets: readonly string[], what = 'a session channel'): TransportError {
  if (err instanceof TransportError) return err; // aborted while waiting for the node to accept
  const why = isChannelRefused(err) ? ' (the node kept refusing new sessions: sshd MaxSessions reached, or sessions it has not freed)' : '';
  return new TransportError(TRANSPORT_CODES.unreachable, node, `could not open ${what}: ${describe(err, secrets)}${why}`, { failure: 'unreachable', detail: err });
}

/**
 * A timer for a command timeout. Node fires delays above 2^31-1 ms at once, so those (and 0,
 * negative or non-finite values, meaning "no timeout") get no timer at all.
 */
export function startTimeout(ms: number, onTimeout: () => void): NodeJS.Timeout | undefined {
  if (!Number.isFinite(ms) || ms <= 0 || ms > 2_147_483_647) return undefined;
  return setTimeout(onTimeout, ms);
}
