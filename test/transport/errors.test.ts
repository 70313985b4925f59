import { describe, expect, it } from 'vitest';
import { KubedrError } from '../../src/errors/index.js';
import { startTimeout } from '../../src/transport/errors.js';
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

describe('startTimeout', () => {
  it('arms nothing for "no timeout" values and for delays Node would fire at once', () => {
    for (const ms of [0, -1, Infinity, Number.NaN, 2 ** 31]) expect(startTimeout(ms, () => undefined)).toBeUndefined();
    const t = startTimeout(60_000, () => undefined);
    expect(t).toBeDefined();
    clearTimeout(t);
  });
});
