// `kubedr prune`: lists what runs set aside on the nodes and on this machine (sizes, per run id)
// and, with --yes, removes what the selection (--run / --older-than) names. Never a file of a
// run that is not finished or rolled back (it may still be resumed or rolled back), nor of a run
// this state dir does not know. The removal is a generated runbook executed like any run (run
// lock, journal, audit log, report), so `kubedr audit <id>` shows what was removed where.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubedrError } from '../errors/index.js';
import { loadInventory } from '../inventory/index.js';
import type { InventoryNode } from '../model/index.js';
import { shellQuote as q } from '../plan/quote.js';
import { TransportError } from '../transport/index.js';
import { runFiles, type OperateOptions } from './operate.js';
import { parseScan, scanScript, type Leftover, type ScanRoots } from './prune-scan.js';
import { parseAge, PRUNABLE, readKnownRuns, type KnownRun, type RunState } from './prune-runs.js';
import type { RunOutput } from './run.js';
import { nodeTransport } from './ssh.js';
import { newRunId, resolveStateDir, runPaths } from './state.js';

export const OPERATOR = '@local';

export interface PruneOptions extends OperateOptions {
  inventory: string;
  /** Select these runs. */
  runIds?: string[];
  /** Select runs started at least this long ago: `30m`, `12h`, `7d`, `2w`. */
  olderThan?: string;
  now?: () => number;
}

export interface PruneEntry extends Leftover {
  state: RunState;
  /** `remove` when selected and prunable; otherwise why it stays. */
  verdict: 'remove' | 'keep';
  reason: string;
}

export interface PruneOutput {
  entries: PruneEntry[];
  /** Nodes whose scan failed (unreachable…): their leftovers are unknown. */
  scanErrors: { node: string; error: string }[];
  /** The removal run, when --yes and something was selected. */
  removal?: RunOutput;
}

const bad = (code: string, message: string, hint: string): KubedrError => new KubedrError(code, message, { exitCode: 2, hint });

export async function prune(o: PruneOptions): Promise<PruneOutput> {
  const age = o.olderThan === undefined ? undefined : parseAge(o.olderThan);
  if (o.olderThan !== undefined && age === undefined) throw bad('PRUNE_BAD_AGE', `--older-than ${o.olderThan}: not a duration`, 'write a number and a unit: 30m, 12h, 7d, 2w');
  for (const id of o.runIds ?? []) runPaths('/', id); // throws RUN_BAD_ID (exit 2) on a malformed id
  const selecting = (o.runIds?.length ?? 0) > 0 || age !== undefined;
  if (o.yes && !selecting) throw bad('PRUNE_NO_SELECTION', '--yes removes only what --run or --older-than selects, and neither was given', 'list first with `kubedr prune -i INVENTORY`, then add --run ID or --older-than 7d');
  const stateDir = resolveStateDir(o.stateDir);
  const inventory = await loadInventory(o.inventory);
  const runs = readKnownRuns(stateDir);
  const { leftovers, scanErrors } = await scanAll(o, inventory.nodes, rootsOf(runs));
  leftovers.push(...scanLocal(runs));
  const now = (o.now ?? Date.now)();
  const selected = (r: KnownRun | undefined, id: string): boolean =>
    (o.runIds ?? []).includes(id) || (age !== undefined && r?.startedAt !== undefined && now - r.startedAt >= age);
  const entries = leftovers.map((l): PruneEntry => {
    const run = runs.get(l.runId);
    const state = run?.state ?? 'unknown';
    if (!selected(run, l.runId)) return { ...l, state, verdict: 'keep', reason: selecting ? 'not selected' : 'listed only' };
    if (!run) return { ...l, state, verdict: 'keep', reason: `run ${l.runId} is not in ${stateDir}: its state is unknown` };
    if (!PRUNABLE.includes(state)) return { ...l, state, verdict: 'keep', reason: `run is ${state}: resume or roll it back first` };
    // A path the runbook renderer would read as a template is left for the operator.
    if (l.path.includes('{{')) return { ...l, state, verdict: 'keep', reason: 'the path holds "{{": remove it by hand' };
    return { ...l, state, verdict: 'remove', reason: `run ${state}` };
  }).sort((a, b) => a.runId.localeCompare(b.runId) || a.node.localeCompare(b.node) || a.path.localeCompare(b.path));
  const out: PruneOutput = { entries, scanErrors };
  const doomed = entries.filter((e) => e.verdict === 'remove');
  if (!o.yes || doomed.length === 0) return out;
  const runId = newRunId(now);
  const dir = runPaths(stateDir, runId).runDir;
  await mkdir(dir, { recursive: true });
  const runbook = join(dir, 'prune-runbook.yaml');
  await writeFile(runbook, removalRunbook(doomed), { mode: 0o600 });
  out.removal = await runFiles({ ...o, stateDir, runbook, inventory: o.inventory, runId, rollback: 'never' });
  return out;
}

/** Stage and stash dirs named by runs' params; etcd-backup's stageDir holds backup staging. */
function rootsOf(runs: Map<string, KnownRun>): ScanRoots {
  const roots: ScanRoots = { stageDirs: [], backupStageDirs: [], stashDirs: [] };
  for (const r of runs.values()) {
    const { stageDir, stashDir } = r.params;
    if (typeof stageDir === 'string' && stageDir.startsWith('/')) (r.runbook === 'etcd-backup' ? roots.backupStageDirs : roots.stageDirs).push(stageDir);
    if (typeof stashDir === 'string' && stashDir.startsWith('/')) roots.stashDirs.push(stashDir);
  }
  return roots;
}

async function scanAll(o: PruneOptions, nodes: InventoryNode[], roots: ScanRoots): Promise<{ leftovers: Leftover[]; scanErrors: PruneOutput['scanErrors'] }> {
  const env = o.env ?? process.env;
  const transport = o.transport ?? nodeTransport({ nodes, env, acceptNewHostKeys: o.acceptNewHostKeys, sshConfigPath: o.sshConfigPath });
  const leftovers: Leftover[] = [];
  const scanErrors: PruneOutput['scanErrors'] = [];
  try {
    await Promise.all(nodes.map(async (n) => {
      try {
        const r = await transport.exec(n.name, scanScript(n, roots), { sudo: true, timeoutMs: 300_000 });
        if (r.exitCode !== 0) throw new Error(`scan exited ${r.exitCode}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
        leftovers.push(...parseScan(n, roots, r.stdout));
      } catch (err) {
        if (err instanceof TransportError && err.code.startsWith('TRANSPORT_HOST_KEY')) throw new KubedrError(err.code, err.message, { exitCode: 2, ...(err.hint ? { hint: err.hint } : {}) });
        scanErrors.push({ node: n.name, error: err instanceof Error ? err.message : String(err) });
      }
    }));
  } finally {
    if (!o.transport) await transport.close();
  }
  return { leftovers, scanErrors };
}

/** This machine: temp files of downloads cut short in a backup run's directory. */
function scanLocal(runs: Map<string, KnownRun>): Leftover[] {
  const found: Leftover[] = [];
  for (const r of runs.values()) {
    const base = r.params['backupDir'];
    if (typeof base !== 'string' || r.cluster === undefined) continue;
    const dir = join(base, `${r.cluster}-${r.id}`);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (!/^\..+\.kubedr-[0-9a-f]{12}\.tmp$/.test(f)) continue;
      const path = join(dir, f);
      found.push({ node: OPERATOR, runId: r.id, kind: 'partial-download', path, bytes: statSync(path).size, detail: '' });
    }
  }
  return found;
}

/** One step per node (and one on this machine): rm -rf of exactly the listed paths. */
export function removalRunbook(doomed: readonly PruneEntry[]): string {
  const byNode = new Map<string, PruneEntry[]>();
  for (const e of doomed) byNode.set(e.node, [...(byNode.get(e.node) ?? []), e]);
  const steps = [...byNode].map(([node, list], i) => {
    const runIds = [...new Set(list.map((e) => e.runId))].join(', ');
    const script = [
      'set -e',
      `for p in ${list.map((e) => q(e.path)).join(' ')}; do`,
      '  if [ -e "$p" ]; then rm -rf -- "$p"; echo "removed $p"; else echo "already gone: $p"; fi',
      'done',
    ].join('\n');
    const base = { id: `remove-${i + 1}`, name: `Remove ${list.length} path(s) of run(s) ${runIds} on ${node === OPERATOR ? 'this machine' : node}`, idempotent: true };
    return node === OPERATOR ? { ...base, local: script } : { ...base, targets: { nodes: [node] }, shell: script };
  });
  return stringify({
    apiVersion: 'kubedr.io/v1alpha1',
    kind: 'Runbook',
    metadata: { name: 'prune', description: 'Generated by kubedr prune: remove what finished or rolled-back runs set aside.' },
    phases: [{ name: 'prune', steps }],
  }, { lineWidth: 0 });
}
