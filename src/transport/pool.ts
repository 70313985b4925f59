// One ssh2 connection per endpoint for the whole run, shared by every exec and sftp call.
// Channels per connection are capped below OpenSSH's MaxSessions (10); callers beyond the cap
// wait in a queue. A server that refuses a channel anyway (a lower MaxSessions, or sessions it
// has not freed yet) teaches the endpoint a lower cap: the refused call waits and tries again.
// A lost connection is dropped; the next call connects again.
import type { Client } from 'ssh2';
import type { Duplex } from 'node:stream';
import { endpointKey, type Endpoint } from './endpoints.js';
import { openConnection, type ConnectOptions } from './connect.js';
import { TRANSPORT_CODES, TransportError, describe, isChannelRefused } from './errors.js';

export interface PoolOptions extends ConnectOptions {
  /** Channels open at once on one connection. @default 8 */
  maxChannels: number;
  /** Close a connection with no open channel after this long. @default 300000 */
  idleTimeoutMs: number;
}

/** A live connection plus a way to learn when it dies (for connection-lost reporting). */
export interface Lease {
  client: Client;
  /** Rejects-free promise settled when the connection closes. */
  closed: Promise<void>;
  release(): void;
  /** Someone waits for a channel on this connection (a holder that idles should let go). */
  wanted(): boolean;
  /** Calls `fn` whenever a caller starts waiting for a channel here; returns the unsubscribe. */
  onWanted(fn: () => void): () => void;
  /**
   * Opens this lease's channel with `open`. When the server refuses it (OpenSSH answers "open
   * failed" once a connection has MaxSessions sessions), the endpoint's cap drops to the channels
   * still open, but never below the most it has seen open at once, and the call waits for one of
   * them to close, or, below that limit, backs off; then it tries again. Any other error, or a
   * refusal that outlasts the backoff, is thrown.
   */
  open<T>(open: (client: Client) => Promise<T>): Promise<T>;
}

/** Pauses between tries when the server refuses below its known limit (ms; 14 s in all). */
const REFUSED_BACKOFF_MS = [25, 50, 100, 200, 400, 800, 1600, 3200, 4000, 4000];

class Slot {
  client: Client | undefined;
  connecting: Promise<Client> | undefined;
  closed: Promise<void> = Promise.resolve();
  active = 0;
  /** Channels allowed at once: the pool's cap, lowered by the server's refusals. */
  cap: number;
  /** Channels of ours open now, and the most ever open at once (the server allowed them). */
  opened = 0;
  peak = 0;
  /** Opens sent and not yet answered. */
  opening = 0;
  /** Refused opens waiting for the next event on this connection. */
  events: (() => void)[] = [];
  waiters: (() => void)[] = [];
  /** Idle long-lived holders (session agents) that give their channel back on demand. */
  reclaimers = new Set<() => void>();
  idle: NodeJS.Timeout | undefined;
  constructor(cap: number) {
    this.cap = cap;
  }
}

export class ConnectionPool {
  private readonly slots = new Map<string, Slot>();
  private shut = false;

  constructor(private readonly opts: PoolOptions) {}

  /** Waits for a free channel on the endpoint's connection (connecting if needed). */
  async lease(ep: Endpoint, signal?: AbortSignal): Promise<Lease> {
    const slot = this.slotOf(ep);
    await this.acquire(slot, ep, signal);
    try {
      const client = await this.connected(slot, ep);
      let released = false;
      let opened = false;
      return {
        client,
        closed: slot.closed,
        release: () => {
          if (released) return;
          released = true;
          if (opened) slot.opened--;
          this.releaseSlot(slot);
        },
        wanted: () => slot.waiters.length > 0,
        onWanted: (fn) => {
          slot.reclaimers.add(fn);
          return () => slot.reclaimers.delete(fn);
        },
        open: async <T>(open: (c: Client) => Promise<T>): Promise<T> => {
          for (let pause = 0; ; ) {
            let refusal: unknown;
            slot.opening++;
            try {
              const channel = await open(client);
              if (!released && !opened) {
                opened = true;
                slot.peak = Math.max(slot.peak, ++slot.opened);
              }
              return channel;
            } catch (err) {
              if (!isChannelRefused(err) || released || slot.client !== client) throw err;
              refusal = err;
            } finally {
              slot.opening--;
              wake(slot);
            }
            // Opens answered after this one tell how many the server holds: wait for them.
            while (slot.opening > 0) await nextEvent(slot, undefined, ep, signal);
            // The server once ran `peak` of ours at once, so it allows at least that many: a
            // refusal below it is a session it has not freed yet (OpenSSH frees one only after
            // reading our reply to its close, and refuses an open that arrives with that reply).
            slot.cap = Math.max(1, slot.peak, Math.min(slot.cap, slot.opened));
            if (slot.opened >= slot.cap) {
              // At the server's limit: wait, first in line, for one of ours to close.
              slot.active--;
              try {
                await this.acquire(slot, ep, signal, true);
              } catch (err) {
                slot.active++; // aborted while waiting: the caller's release() gives it back
                throw err;
              }
            } else {
              const ms = REFUSED_BACKOFF_MS[pause++];
              if (ms === undefined) throw refusal;
              await nextEvent(slot, ms, ep, signal);
            }
            if (slot.client !== client) throw refusal;
          }
        },
      };
    } catch (err) {
      this.releaseSlot(slot);
      throw err;
    }
  }

  /** Ends every connection; later calls fail with TRANSPORT_CLOSED. */
  async close(): Promise<void> {
    this.shut = true;
    const ends = [...this.slots.values()].map(async (slot) => {
      clearTimeout(slot.idle);
      const client = slot.client ?? (await slot.connecting?.catch(() => undefined));
      if (!client) return;
      const done = slot.closed;
      client.end();
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000).unref())]);
      client.destroy();
    });
    await Promise.all(ends);
    this.slots.clear();
  }

  private slotOf(ep: Endpoint): Slot {
    if (this.shut) throw new TransportError(TRANSPORT_CODES.closed, ep.name, 'transport already closed');
    const key = endpointKey(ep);
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = new Slot(this.opts.maxChannels)));
    return slot;
  }

  /** `first`: a call the server refused goes back to the head of the queue. */
  private async acquire(slot: Slot, ep: Endpoint, signal?: AbortSignal, first = false): Promise<void> {
    clearTimeout(slot.idle);
    if (slot.active < slot.cap && (first || slot.waiters.length === 0)) {
      slot.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        slot.active++;
        resolve();
      };
      const onAbort = (): void => {
        slot.waiters = slot.waiters.filter((w) => w !== grant);
        reject(new TransportError(TRANSPORT_CODES.aborted, ep.name, 'aborted while waiting for a free channel'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (first) slot.waiters.unshift(grant);
      else slot.waiters.push(grant);
      for (const fn of [...slot.reclaimers]) fn();
    });
  }

  private releaseSlot(slot: Slot): void {
    slot.active--;
    wake(slot);
    if (slot.active < slot.cap) {
      const next = slot.waiters.shift();
      if (next) return next();
    }
    if (slot.active === 0 && slot.client) {
      const client = slot.client;
      slot.idle = setTimeout(() => {
        // Forgotten at once, not when 'close' arrives: a call in between would otherwise get a
        // client that is already ending ("Not connected") instead of a new connection.
        if (slot.client === client) slot.client = undefined;
        client.end();
      }, this.opts.idleTimeoutMs);
      slot.idle.unref();
    }
  }

  private connected(slot: Slot, ep: Endpoint): Promise<Client> {
    if (slot.client) return Promise.resolve(slot.client);
    slot.connecting ??= this.connect(ep).then(
      (client) => {
        slot.client = client;
        slot.connecting = undefined;
        slot.closed = new Promise<void>((resolve) => {
          const gone = (): void => {
            if (slot.client === client) slot.client = undefined;
            resolve();
          };
          client.once('close', gone);
          client.on('error', () => undefined);
          client.setMaxListeners(0);
        });
        return client;
      },
      (err: unknown) => {
        slot.connecting = undefined;
        throw err;
      },
    );
    return slot.connecting;
  }

  private async connect(ep: Endpoint): Promise<Client> {
    if (!ep.jump) return openConnection(ep, this.opts);
    const jump = ep.jump;
    // The bastion connection is pooled too; a forwarded channel is not a session (MaxSessions).
    const lease = await this.lease(jump);
    let sock: Duplex;
    try {
      sock = await new Promise<Duplex>((resolve, reject) => {
        lease.client.forwardOut('127.0.0.1', 0, ep.host, ep.port, (err, stream) => (err ? reject(err) : resolve(stream)));
      });
    } catch (err) {
      throw new TransportError(TRANSPORT_CODES.unreachable, ep.name, `bastion ${jump.host}:${jump.port} could not open a tunnel to ${ep.host}:${ep.port}: ${describe(err)}`, { failure: 'unreachable', detail: err });
    } finally {
      lease.release();
    }
    return openConnection(ep, this.opts, sock);
  }
}

function wake(slot: Slot): void {
  for (const fn of slot.events.splice(0)) fn();
}

/** Resolves at the slot's next event (an open answered, a channel released) or after `ms`. */
function nextEvent(slot: Slot, ms: number | undefined, ep: Endpoint, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (fn: () => void): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      slot.events = slot.events.filter((e) => e !== fire);
      fn();
    };
    const fire = (): void => settle(resolve);
    const onAbort = (): void => settle(() => reject(new TransportError(TRANSPORT_CODES.aborted, ep.name, 'aborted while waiting for a free channel')));
    const timer = ms === undefined ? undefined : setTimeout(fire, ms);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    slot.events.push(fire);
  });
}
