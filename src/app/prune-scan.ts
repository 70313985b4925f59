// What kubedr leaves behind on a node, by design: every run moves things aside instead of
// deleting them (old data dirs, stopped manifests, manifest originals, staged snapshots, saved
// worker configs, backup staging, partial and undone copies inside those). This builds the
// read-only scan script for one node and parses its output into leftovers, each with its run id.
// The path patterns are the runbooks' (runbooks/*.yaml) and the manifest primitive's
// (src/engine/manifest-action.ts); a run's saved plan adds the dirs its params moved elsewhere.
import { posix } from 'node:path';
import type { InventoryNode } from '../model/index.js';
import { shellQuote as q } from '../plan/quote.js';

export type LeftoverKind =
  | 'old-data-dir' // <data-dir>.kubedr-before-<run>
  | 'manifest-stash' // <stashDir>/<run>/ (stopped manifests, default /etc/kubernetes/kubedr-stash)
  | 'manifest-backup' // <manifests>/../kubedr-backup/<run>/ (originals of edited manifests)
  | 'run-staging' // <stageDir>/<run>/ (snapshot copy, restored/partial/undone dirs, worker-saved, placed-undone manifests)
  | 'backup-staging' // /var/lib/kubedr/backups/<run>[.undone.<ts>]
  | 'partial-download'; // .<file>.kubedr-<hex>.tmp left by a download cut short (operator machine)

export interface Leftover {
  node: string;
  runId: string;
  kind: LeftoverKind;
  path: string;
  bytes: number;
  /** What a dir holds (top-level names), to tell a staged snapshot from a saved worker config. */
  detail: string;
}

export const DEFAULT_STAGE_DIRS = ['/var/lib/kubedr/runs'];
export const DEFAULT_BACKUP_STAGE_DIRS = ['/var/lib/kubedr/backups'];

/** Dirs named by runs' params (stageDir, stashDir), on top of the defaults. */
export interface ScanRoots {
  stageDirs: string[];
  backupStageDirs: string[];
  stashDirs: string[];
}

interface Pattern {
  kind: LeftoverKind;
  /** Quoted literal part followed by an unquoted glob. */
  glob: string;
  prefix: string;
}

function patternsFor(node: InventoryNode, roots: ScanRoots): Pattern[] {
  const k8s = posix.dirname(node.paths.manifestDir);
  const data = node.paths.etcdDataDir;
  const dirPattern = (kind: LeftoverKind, dir: string): Pattern => ({ kind, glob: `${q(dir)}/*`, prefix: `${dir}/` });
  const uniq = (l: string[]): string[] => [...new Set(l)];
  const stashes = uniq([posix.join(k8s, 'kubedr-stash'), ...roots.stashDirs]);
  return [
    { kind: 'old-data-dir', glob: `${q(`${data}.kubedr-before-`)}*`, prefix: `${data}.kubedr-before-` },
    ...stashes.map((d) => dirPattern('manifest-stash', d)),
    // A manifest edited in the stash keeps its original one level up, in <stash>/kubedr-backup/<run>.
    ...uniq([posix.join(k8s, 'kubedr-backup'), ...stashes.map((d) => posix.join(d, 'kubedr-backup'))]).map((d) => dirPattern('manifest-backup', d)),
    ...uniq([...DEFAULT_STAGE_DIRS, ...roots.stageDirs]).filter((d) => !roots.backupStageDirs.includes(d)).map((d) => dirPattern('run-staging', d)),
    ...uniq([...DEFAULT_BACKUP_STAGE_DIRS, ...roots.backupStageDirs]).map((d) => dirPattern('backup-staging', d)),
  ];
}

/**
 * One line per leftover: `kind <TAB> KiB <TAB> path <TAB> top-level names`. Read-only (`du`,
 * `ls`); a missing base dir simply matches nothing.
 */
export function scanScript(node: InventoryNode, roots: ScanRoots): string {
  const lines = [
    'emit() { s=$(du -sk -- "$2" 2>/dev/null | cut -f1); c=""; if [ -d "$2" ]; then c=$(ls -A -- "$2" 2>/dev/null | head -n 20 | paste -sd, -); fi; printf \'%s\\t%s\\t%s\\t%s\\n\' "$1" "${s:-0}" "$2" "$c"; }',
  ];
  for (const p of patternsFor(node, roots)) {
    lines.push(`for p in ${p.glob}; do [ -e "$p" ] || continue; emit ${p.kind} "$p"; done`);
  }
  return lines.join('\n');
}

/** A run id as kubedr makes them (runPaths accepts the same). */
const RUN_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** `<run>.undone.<unix time>` / `<run>.partial.<unix time>`: a copy set aside by an undo or a retry. */
const SET_ASIDE = /\.(undone|partial)\.\d+$/;

export function runIdOf(kind: LeftoverKind, name: string): string | undefined {
  const id = kind === 'backup-staging' || kind === 'run-staging' ? name.replace(SET_ASIDE, '') : name;
  return RUN_ID.test(id) ? id : undefined;
}

/** Parses the scan output; lines that do not match a pattern of this node are ignored. */
export function parseScan(node: InventoryNode, roots: ScanRoots, stdout: string): Leftover[] {
  const patterns = patternsFor(node, roots);
  const out: Leftover[] = [];
  for (const line of stdout.split('\n')) {
    const [kind = '', kib = '', path = '', detail = ''] = line.split('\t');
    const p = patterns.find((x) => x.kind === kind && path.startsWith(x.prefix));
    if (!p) continue;
    const name = path.slice(p.prefix.length);
    if (name.includes('/') || (p.kind === 'manifest-stash' && name === 'kubedr-backup')) continue;
    const runId = runIdOf(p.kind, name);
    if (runId === undefined) continue;
    out.push({ node: node.name, runId, kind: p.kind, path, bytes: Number(kib) * 1024 || 0, detail });
  }
  return out;
}
