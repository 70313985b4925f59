import { describe, expect, it } from 'vitest';
import { KubedrError } from '../../src/errors/index.js';
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

  it('redact hides every secret, longest first', () => {
    expect(redact('token abc and abcdef', ['abc', 'abcdef', ''])).toBe('token *** and ***');
  });
});
