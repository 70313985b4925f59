// A lock on each node, so that two operators on different machines (each with its own run
// lock) cannot act on the same node at once. `mkdir` is atomic on POSIX filesystems; the holder
// is written inside. The same run id may take over its own lock (resume after a crash).
import { posix } from 'node:path';
import pLimit from 'p-limit';
import { KubedrError } from '../errors/index.js';
import { LOCAL_NODE } from '../model/index.js';
import { shellQuote as q } from '../plan/quote.js';
import type { RunContext } from './context.js';
import { classifyError } from './outcome.js';
import type { NodeLockOptions } from './types.js';

/** Exit code of the acquire script when the lock is held; stdout then carries the holder. */
const HELD = 75;

export function lockedNodes(ctx: RunContext): string[] {
  return [...new Set([...ctx.tasks.values()].map((t) => t.node))].filter((n) => n !== LOCAL_NODE);
}

// These scripts run on every node at the start and end of every run: the common path (free
// lock, existing parent dir; release by the holder) uses shell builtins plus one mkdir, or rm +
// rmdir, rather than a dirname, an extra mkdir -p and a grep per node.
function acquireScript(dir: string, holder: string): string {
  return [
    `d=${q(dir)}`,
    `ok() { printf '%s\\n' ${q(holder)} > "$d/holder"; exit 0; }`,
    'mkdir -- "$d" 2>/dev/null && ok',
    `[ -e "$d" ] || { mkdir -p -- ${q(posix.dirname(dir))} || exit 1; mkdir -- "$d" 2>/dev/null && ok; }`,
    `cat -- "$d/holder" 2>/dev/null; exit ${HELD}`,
  ].join('\n');
}

function takeOverScript(dir: string, holder: string): string {
  return `printf '%s\\n' ${q(holder)} > ${q(`${dir}/holder`)}`;
}

/** Removes the lock only if this run holds it. */
export function releaseScript(dir: string, runId: string): string {
  return [
    `d=${q(dir)}; h=`,
    '[ -f "$d/holder" ] && IFS= read -r h < "$d/holder"',
    `case $h in *${q(`"runId":${JSON.stringify(runId)}`)}*) rm -f -- "$d/holder" && rmdir -- "$d" ;; esac`,
  ].join('\n');
}

export async function acquireNodeLocks(ctx: RunContext, lock: NodeLockOptions): Promise<string[]> {
  const holder = JSON.stringify({ runId: ctx.opts.runId, user: lock.user, host: lock.host, pid: lock.pid, since: ctx.iso() });
  const exec = (node: string, cmd: string) => ctx.deps.transport.exec(node, cmd, { sudo: lock.sudo, timeoutMs: 30_000 });
  const taken: string[] = [];
  const problems: string[] = [];
  const holders: NodeHolder[] = [];
  // Nodes that could not be reached at all: reported as what they are (DNS, auth, unreachable,
  // host key), never as a lock held by someone else.
  const unreached: { node: string; code: string; error: string; hint?: string }[] = [];
  const limit = pLimit(Math.max(1, ctx.opts.concurrency));
  await Promise.all(
    lockedNodes(ctx).map((node) =>
      limit(async () => {
        try {
          const r = await exec(node, acquireScript(lock.dir, holder));
          if (r.exitCode === 0) return void taken.push(node);
          const other = r.exitCode === HELD ? parseHolder(r.stdout) : undefined;
          if (other?.runId === ctx.opts.runId) {
            await exec(node, takeOverScript(lock.dir, holder));
            return void taken.push(node);
          }
          if (other) holders.push(other);
          problems.push(other ? `${node}: held by ${other.user}@${other.host} (pid ${other.pid}, run ${other.runId}, since ${other.since})` : `${node}: cannot create ${lock.dir} (exit ${r.exitCode}) ${r.stderr.trim()}`);
        } catch (err) {
          const code = err instanceof KubedrError ? err.code : 'TRANSPORT_UNREACHABLE';
          const hint = err instanceof KubedrError ? err.hint : undefined;
          unreached.push({ node, code, error: classifyError(err, ctx.redactor).error, ...(hint !== undefined ? { hint } : {}) });
        }
      }),
    ),
  );
  if (unreached.length > 0) {
    await releaseNodeLocks(ctx, lock, taken);
    unreached.sort((a, b) => a.node.localeCompare(b.node));
    const first = unreached[0];
    throw new KubedrError(first?.code ?? 'TRANSPORT_UNREACHABLE', `cannot reach ${unreached.length} node(s); nothing was executed:\n  ${unreached.map((u) => u.error).join('\n  ')}${problems.length > 0 ? `\n  ${problems.join('\n  ')}` : ''}`, {
      hint: [...new Set(unreached.map((u) => u.hint).filter((h): h is string => h !== undefined))].join('; ') || 'check that the nodes are up and reachable over SSH',
      exitCode: 2,
    });
  }
  if (problems.length > 0) {
    await releaseNodeLocks(ctx, lock, taken);
    const runs = [...new Set(holders.map((h) => h.runId))];
    throw new KubedrError('NODE_LOCKED', `cannot lock ${problems.length} node(s):\n  ${problems.join('\n  ')}`, {
      hint: runs.length > 0
        ? `wait for the other run to end. If it is gone (killed): continue it with ${runs.map((r) => `\`kubedr resume ${r}\``).join(' or ')}, or release its locks with \`kubedr unlock -i INVENTORY --run ${runs[0] ?? ''}\` (refused while the holder is alive)`
        : `check ${lock.dir} on those nodes`,
      exitCode: 2,
    });
  }
  return taken;
}

export async function releaseNodeLocks(ctx: RunContext, lock: NodeLockOptions, nodes: string[]): Promise<void> {
  const limit = pLimit(Math.max(1, ctx.opts.concurrency));
  await Promise.all(
    nodes.map((node) => limit(() => ctx.deps.transport.exec(node, releaseScript(lock.dir, ctx.opts.runId), { sudo: lock.sudo, timeoutMs: 30_000 }).catch(() => undefined))),
  );
}

export interface NodeHolder {
  runId: string;
  user: string;
  host: string;
  pid: number;
  since: string;
}

/** The holder written by acquireScript; undefined for anything else (a hand-made or torn file). */
export function parseHolder(text: string): NodeHolder | undefined {
  try {
    const h = JSON.parse(text.trim()) as Partial<NodeHolder> | null;
    if (h === null || typeof h !== 'object') return undefined;
    if (typeof h.runId !== 'string' || typeof h.user !== 'string' || typeof h.host !== 'string' || typeof h.pid !== 'number' || typeof h.since !== 'string') return undefined;
    return { runId: h.runId, user: h.user, host: h.host, pid: h.pid, since: h.since };
  } catch {
    return undefined;
  }
}
