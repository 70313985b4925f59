// Makes any network use fail loudly: TCP/UDP sockets, TLS and DNS lookups. Used around planning
// and validation to prove they never open a connection.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';

export interface NetworkGuard {
  /** Every attempted connection or lookup, e.g. "net.connect 127.0.0.1:22". */
  attempts: string[];
  restore(): void;
}

export function forbidNetwork(): NetworkGuard {
  const attempts: string[] = [];
  const restores: (() => void)[] = [];
  const patch = <T extends object, K extends keyof T>(obj: T, key: K, label: string) => {
    const original = obj[key];
    obj[key] = function (this: unknown, ...args: unknown[]) {
      attempts.push(`${label} ${JSON.stringify(args[0]) ?? ''}`);
      throw new Error(`network use is forbidden here: ${label}`);
    } as T[K];
    restores.push(() => {
      obj[key] = original;
    });
  };
  patch(net.Socket.prototype, 'connect', 'net.Socket.connect');
  patch(net, 'connect', 'net.connect');
  patch(net, 'createConnection', 'net.createConnection');
  patch(tls, 'connect', 'tls.connect');
  patch(dns, 'lookup', 'dns.lookup');
  patch(dns, 'resolve', 'dns.resolve');
  patch(dns.promises, 'lookup', 'dns.promises.lookup');
  patch(dgram, 'createSocket', 'dgram.createSocket');
  return {
    attempts,
    restore: () => restores.reverse().forEach((r) => r()),
  };
}
