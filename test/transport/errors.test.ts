import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { KubedrError } from '../../src/errors/index.js';
import { REDACTED } from '../../src/errors/redact.js';
import { startTimeout } from '../../src/transport/errors.js';
import { execOnLease } from '../../src/transport/exec.js';
import type { Lease } from '../../src/transport/pool.js';
import { TransportError, isTransientTransportError, redact, transportFailureOf } from '../../src/transport/index.js';

describe('transport errors', () => {
  it('carry a stable code, the node, and the failure (also as cause, per the model contract)', () => {
    const e = new TransportError('TRANSPORT_CONNECTION_LOST', 'cp-1', 'gone', { failure: 'connection-lost' });
    expect(e).toBeInstanceOf(KubedrError);
    expect([e.code, e.node, e.failure, e.cause, e.message]).toEqual(['TRANSPORT_CONNECTION_LOST', 'cp-1', 'connection-lost', 'connection-lost', 'cp-1: gone']);
    expect(transportFailureOf(e)).toBe('connection-lost');
    expect(isTransientTransportError(e)).toBe(true);
    expect(isTransientTransportError(new TransportError('TRANSPORT_TIMEOUT', 'n', 'x', { failure: 'timeout' }))).toBe(false);
    expect(transportFailureOf(new KubedrError('X', 'y', { cause: 'unreachable' }))).toBe('unreachable');
    expect(transportFailureOf(new Error('plain'))).toBeUndefined();
  });

  it('redact is the canonical scrubber: one [REDACTED] mark, overlapping secrets covered', () => {
    expect(redact('token abcd and abcdefgh', ['abcd', 'abcdefgh', ''])).toBe(`token ${REDACTED} and ${REDACTED}`);
    expect(redact('abcd1234wxyz', ['abcd1234', '1234wxyz'])).toBe(REDACTED);
    expect(redact('no secret here', ['hunter2-secret'])).toBe('no secret here');
  });
});

/** A connection whose server refuses the session channel, echoing what it was sent (as some do). */
function refusingLease(): Lease & { released: number } {
  const client = Object.assign(new EventEmitter(), {
    exec: (command: string, cb: (err: Error | undefined) => void) => cb(new Error(`channel open failure for "${command}"`)),
  });
  const lease = { client, closed: Promise.resolve(), released: 0, release: () => void lease.released++, open: <T>(fn: (c: typeof client) => Promise<T>) => fn(client) };
  return lease as unknown as Lease & { released: number };
}

describe('transport error path', () => {
  it('a TransportError raised while starting a command carries [REDACTED], never the secrets or the stdin', async () => {
    const lease = refusingLease();
    const err = await execOnLease('cp-1', lease, "kubeadm join --token 'abcdef.0123456789abcdef' <<< sudo-pw-hunter2", {
      timeoutMs: 1000,
      secrets: ['abcdef.0123456789abcdef'],
      stdin: 'sudo-pw-hunter2',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const e = err as { code?: string; message: string; failure?: string };
    expect([e.code, e.failure]).toEqual(['TRANSPORT_UNREACHABLE', 'unreachable']);
    expect(e.message).toBe(`cp-1: could not open a session channel: channel open failure for "kubeadm join --token '${REDACTED}' <<< ${REDACTED}"`);
    expect(e.message).not.toMatch(/0123456789abcdef|hunter2|\*\*\*/);
    expect(lease.released).toBe(1);
  });
});

describe('startTimeout', () => {
  it('arms nothing for "no timeout" values and for delays Node would fire at once', () => {
    for (const ms of [0, -1, Infinity, Number.NaN, 2 ** 31]) expect(startTimeout(ms, () => undefined)).toBeUndefined();
    const t = startTimeout(60_000, () => undefined);
    expect(t).toBeDefined();
    clearTimeout(t);
  });
});
