// `kubedr unlock`: two kinds of lock a killed run leaves behind.
// - The run lock on this machine (`kubedr unlock LOCK_ID`): removed when its holder is dead.
// - The node locks (`kubedr unlock -i INV [--node N] [--run ID]`): each node's lock dir names the
//   run, host, pid and time of its holder. A lock is released only when that holder is provably
//   dead (its host is this machine and its pid is gone); a live holder, or one on another machine
//   we cannot check, is refused unless --force. Each release is recorded in the holder run's
//   audit log, naming who released it and whether it was forced.
import { createAuditSink, operatorIdentity } from '../audit/index.js';
import { parseHolder, releaseNodeLockScript, type NodeHolder } from '../engine/index.js';
import { KubedrError } from '../errors/index.js';
import { isPidAlive, unlockRun, type LockHolder } from '../journal/index.js';
import type { InventoryNode, Transport } from '../model/index.js';
import { shellQuote } from '../plan/quote.js';
import { loadNodes } from './inputs.js';
import { nodeTransport } from './ssh.js';
import { currentIdentity, DEFAULT_NODE_LOCK_DIR, locksDir, resolveStateDir, runPaths } from './state.js';

export interface UnlockOptions {
  lockId: string;
  /** Remove even when the holder may be alive (another host, or a live pid). @default false */
  force?: boolean;
  stateDir?: string;
  /** @default this machine's host name */
  host?: string;
}

/** Returns the holder that was removed. */
export async function unlock(o: UnlockOptions): Promise<LockHolder> {
  return unlockRun({
    locksDir: locksDir(resolveStateDir(o.stateDir)),
    lockId: o.lockId,
    force: o.force ?? false,
    host: o.host ?? currentIdentity().host,
  });
}

export interface UnlockNodesOptions {
  inventory: string;
  /** Only these nodes. @default every node of the inventory */
  nodes?: string[];
  /** Only locks held by this run. @default any holder */
  runId?: string;
  /** @default false */
  force?: boolean;
  stateDir?: string;
  /** @default false: record unknown host keys instead of refusing */
  acceptNewHostKeys?: boolean;
  sshConfigPath?: string;
  env?: Record<string, string | undefined>;
  /** Test seams. */
  transport?: Transport;
  /** @default { dir: '/var/lib/kubedr/lock', sudo: true } */
  nodeLock?: { dir: string; sudo: boolean };
  host?: string;
  isAlive?: (pid: number) => boolean;
}

export interface NodeUnlockResult {
  node: string;
  /** released; free (no lock); other-run (held by a run other than --run) */
  status: 'released' | 'free' | 'other-run';
  holder?: NodeHolder;
  holderAlive?: boolean;
}

export async function unlockNodes(o: UnlockNodesOptions): Promise<NodeUnlockResult[]> {
  const all = await loadNodes(o.inventory, undefined);
  const unknown = (o.nodes ?? []).filter((n) => !all.some((x) => x.name === n));
  if (unknown.length > 0) {
    throw new KubedrError('UNLOCK_UNKNOWN_NODE', `--node ${unknown.join(', ')}: not in ${o.inventory}`, { hint: `nodes there: ${all.map((n) => n.name).join(', ')}`, exitCode: 2 });
  }
  const nodes: InventoryNode[] = o.nodes && o.nodes.length > 0 ? all.filter((n) => o.nodes?.includes(n.name)) : all;
  const env = o.env ?? process.env;
  const transport = o.transport ?? nodeTransport({ nodes: all, env, acceptNewHostKeys: o.acceptNewHostKeys, sshConfigPath: o.sshConfigPath });
  const lock = o.nodeLock ?? { dir: DEFAULT_NODE_LOCK_DIR, sudo: true };
  const here = o.host ?? currentIdentity().host;
  const alive = o.isAlive ?? isPidAlive;
  try {
    // Read every holder first: nothing is released unless every named lock may be.
    const seen = await Promise.all(nodes.map(async (n) => {
      const r = await transport.exec(n.name, `cat -- ${shellQuote(`${lock.dir}/holder`)} 2>/dev/null; true`, { sudo: lock.sudo, timeoutMs: 30_000 });
      const text = r.stdout.trim();
      return { node: n.name, text, holder: text === '' ? undefined : parseHolder(text) };
    }));
    const torn = seen.filter((s) => s.text !== '' && s.holder === undefined);
    if (torn.length > 0) {
      throw new KubedrError('UNLOCK_UNREADABLE_HOLDER', `cannot read the holder of the lock on ${torn.map((s) => s.node).join(', ')}`, { hint: `look at ${lock.dir}/holder on that node; nothing was released`, exitCode: 2 });
    }
    const results: NodeUnlockResult[] = [];
    const toRelease: { node: string; holder: NodeHolder; holderAlive: boolean }[] = [];
    for (const s of seen) {
      if (!s.holder) results.push({ node: s.node, status: 'free' });
      else if (o.runId !== undefined && s.holder.runId !== o.runId) results.push({ node: s.node, status: 'other-run', holder: s.holder });
      else toRelease.push({ node: s.node, holder: s.holder, holderAlive: s.holder.host !== here || alive(s.holder.pid) });
    }
    const live = toRelease.filter((t) => t.holderAlive);
    if (live.length > 0 && !o.force) {
      throw new KubedrError('UNLOCK_HOLDER_ALIVE', `refusing to unlock ${live.length} node(s) whose holder may still be running; nothing was released:\n  ${live.map((t) => `${t.node}: ${describeNodeHolder(t.holder)}${t.holder.host === here ? ' (pid alive)' : ' (another machine: cannot check its pid)'}`).join('\n  ')}`, {
        hint: `wait for that run to end; if you are sure it is gone: kubedr unlock -i ${o.inventory} --run ${live[0]?.holder.runId ?? ''} --force`,
        exitCode: 2,
      });
    }
    for (const t of toRelease) {
      const r = await transport.exec(t.node, releaseNodeLockScript(lock.dir, t.holder.runId), { sudo: lock.sudo, timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw new KubedrError('UNLOCK_FAILED', `cannot remove ${lock.dir} on ${t.node} (exit ${r.exitCode}): ${r.stderr.trim()}`, { exitCode: 1 });
      auditUnlock(resolveStateDir(o.stateDir), t, o.force === true && t.holderAlive, env);
      results.push({ node: t.node, status: 'released', holder: t.holder, holderAlive: t.holderAlive });
    }
    return results.sort((a, b) => a.node.localeCompare(b.node));
  } finally {
    if (!o.transport) await transport.close();
  }
}

export function describeNodeHolder(h: NodeHolder): string {
  return `run ${h.runId} of ${h.user}@${h.host} (pid ${h.pid}, since ${h.since})`;
}

/** One record in the holder run's audit log (created here if that run is from another machine). */
function auditUnlock(stateDir: string, t: { node: string; holder: NodeHolder; holderAlive: boolean }, forced: boolean, env: Record<string, string | undefined>): void {
  let runDir: string;
  try {
    runDir = runPaths(stateDir, t.holder.runId).runDir;
  } catch {
    runDir = runPaths(stateDir, 'unlocks').runDir; // a run id we would not use as a path
  }
  const sink = createAuditSink({ runDir, runId: t.holder.runId, who: operatorIdentity(env) });
  try {
    sink.onEvent({ kind: 'node-unlock', node: t.node, holder: t.holder, holderAlive: t.holderAlive, forced, at: new Date().toISOString() });
  } finally {
    sink.close();
  }
}
