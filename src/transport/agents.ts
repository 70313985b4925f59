// Session agents per node and sudo mode: an idle one is reused, else a new one starts (up to
// a cap), else the task waits for one to become idle. An idle agent quits after a while, or at
// once when another caller waits for a channel on its connection (uploads, downloads), so it
// never holds the connection's last channel hostage. A node that cannot run an agent is
// remembered, and its tasks take the per-task channel (the caller's fallback).
import type { ExecResult } from '../model/index.js';
import type { SudoMode } from './command.js';
import { TRANSPORT_CODES, TransportError } from './errors.js';
import type { RawExecOptions } from './exec.js';
import type { Lease } from './pool.js';
import { SessionAgent } from './session-agent.js';

export interface AgentsOptions {
  /** Agents at once per node and sudo mode (each holds one channel). */
  maxPerNode: number;
  /** An idle agent quits after this long. */
  idleMs: number;
}

/** How to start an agent on one node: its lease, its command line and the sudo password line. */
export interface AgentStart {
  node: string;
  mode: SudoMode;
  lease: (signal: AbortSignal | undefined) => Promise<Lease>;
  command: string;
  prefix: string | undefined;
  secrets: readonly string[];
}

interface Idle {
  agent: SessionAgent;
  timer: NodeJS.Timeout;
  unsubscribe: () => void;
}

class Group {
  idle: Idle[] = [];
  count = 0;
  waiters: (() => void)[] = [];
}

export class SessionAgents {
  private readonly groups = new Map<string, Group>();
  private readonly unsupported = new Set<string>();
  private shut = false;

  constructor(private readonly opts: AgentsOptions) {}

  /** Runs `command` on an agent; undefined when the node cannot run one (nothing was run). */
  async exec(start: AgentStart, command: string, opts: RawExecOptions): Promise<ExecResult | undefined> {
    const key = `${start.node}\0${start.mode}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new Group()));
    const agent = await this.take(group, start, opts.signal);
    if (!agent) return undefined;
    try {
      return await agent.run(command, opts);
    } finally {
      this.giveBack(group, agent);
    }
  }

  /** Quits every idle agent; busy ones end with their connection. */
  close(): void {
    this.shut = true;
    for (const g of this.groups.values()) for (const i of g.idle.splice(0)) this.retire(i);
  }

  private async take(group: Group, start: AgentStart, signal: AbortSignal | undefined): Promise<SessionAgent | undefined> {
    for (;;) {
      if (this.unsupported.has(start.node)) return undefined;
      const idle = group.idle.pop();
      if (idle) {
        clearTimeout(idle.timer);
        idle.unsubscribe();
        if (idle.agent.alive) return idle.agent;
        group.count--;
        continue;
      }
      if (group.count < this.opts.maxPerNode) return this.spawn(group, start, signal);
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          group.waiters = group.waiters.filter((w) => w !== wake);
          reject(new TransportError(TRANSPORT_CODES.aborted, start.node, 'aborted while waiting for a free session'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        group.waiters.push(wake);
      });
    }
  }

  private async spawn(group: Group, start: AgentStart, signal: AbortSignal | undefined): Promise<SessionAgent | undefined> {
    group.count++;
    try {
      const agent = await SessionAgent.start(start.node, await start.lease(signal), start.command, start.prefix, start.secrets);
      if (!agent) this.unsupported.add(start.node);
      return agent ?? this.dropped(group);
    } catch (err) {
      this.dropped(group);
      throw err;
    }
  }

  private giveBack(group: Group, agent: SessionAgent): void {
    if (!agent.alive || this.shut || agent.lease.wanted()) {
      agent.quit();
      this.dropped(group);
      return;
    }
    const next = group.waiters.shift();
    const entry: Idle = {
      agent,
      timer: setTimeout(() => this.evict(group, entry), this.opts.idleMs).unref(),
      unsubscribe: agent.lease.onWanted(() => this.evict(group, entry)),
    };
    group.idle.push(entry);
    next?.();
  }

  private evict(group: Group, entry: Idle): void {
    const at = group.idle.indexOf(entry);
    if (at < 0) return;
    group.idle.splice(at, 1);
    this.retire(entry);
    this.dropped(group);
  }

  private retire(entry: Idle): void {
    clearTimeout(entry.timer);
    entry.unsubscribe();
    entry.agent.quit();
  }

  /** One agent fewer: a waiter may start a new one. */
  private dropped(group: Group): undefined {
    group.count--;
    group.waiters.shift()?.();
    return undefined;
  }
}
