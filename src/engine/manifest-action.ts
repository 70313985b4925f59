// A manifest action on a node: read with `cat`, edit (src/etcd/manifest.ts), keep the original
// once per run and step in `<manifests>/../kubedr-backup/<run>/<step>/` (outside the manifests
// dir, or the kubelet would run the copy), write via a temp file + `mv` (atomic rename). The
// implicit undo moves the backup back, so nothing is deleted and nothing is left behind.
import { posix } from 'node:path';
import { applyManifestEdits, type ManifestEditOp } from '../etcd/manifest.js';
import { shellQuote as q } from '../plan/quote.js';

export function manifestBackupPath(file: string, runId: string, stepId: string): string {
  const dir = posix.dirname(file);
  return posix.join(posix.dirname(dir), 'kubedr-backup', runId, stepId, posix.basename(file));
}

export function readManifestCommand(file: string): string {
  return `cat -- ${q(file)}`;
}

/** The size in bytes of a node file (the db a relaxProbes edit widens the start window for). */
export function fileSizeCommand(file: string): string {
  return `wc -c < ${q(file)}`;
}

export function editManifestText(text: string, edits: ManifestEditOp[], source: string, notes: string[] = []): string {
  return applyManifestEdits(text, edits, source, notes);
}

/**
 * Writes stdin over `file`; the first write of a run+step keeps the original as the backup.
 * Unchanged content is not written: the file keeps its mtime, which tells a later
 * waitStaticPodsCurrent when the pod's manifest last really changed (a resumed run re-applies
 * its edits, and a rewrite would make it wait for a restart the kubelet never does).
 * Paths are derived here rather than with `$(dirname …)` on the node: each of those is a fork
 * and an exec on every edit. Prints KEPT_EARLIER when the original was kept by an earlier attempt
 * of this run and step: that attempt may have changed the file, so the edit counts as a change.
 */
export const KEPT_EARLIER = 'original kept earlier in this run:';

export function writeManifestScript(file: string, backup: string): string {
  const dir = posix.dirname(backup);
  return [
    'set -e',
    `f=${q(file)}; b=${q(backup)}; d=${q(dir)}; t=${q(posix.join(dir, `.${posix.basename(file)}.kubedr-tmp`))}`,
    'mkdir -p -- "$d"',
    `if [ -e "$b" ]; then echo "${KEPT_EARLIER} $b"; else cp -p -- "$f" "$b"; fi`,
    'cp -p -- "$f" "$t"',
    'cat > "$t"',
    'if cmp -s -- "$t" "$f"; then rm -f -- "$t"; else mv -f -- "$t" "$f"; fi',
  ].join('\n');
}

/** Puts the backup back (rename) and removes the then-empty backup folders. Safe to re-run. */
export function restoreManifestScript(file: string, backup: string): string {
  const step = posix.dirname(backup);
  const run = posix.dirname(step);
  return [
    'set -e',
    `f=${q(file)}; b=${q(backup)}`,
    'if [ -e "$b" ]; then mv -f -- "$b" "$f"; fi',
    `rmdir -- ${q(step)} ${q(run)} ${q(posix.dirname(run))} 2>/dev/null || true`,
  ].join('\n');
}
