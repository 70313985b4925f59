// Shell run by the placeManifest and ensureFiles primitives, on a node or on the operator
// machine. Every value is single-quoted here (paths come from the inventory, params and the
// backup dir). Exit 3 means "not here": the engine tries the next source.
import { posix } from 'node:path';
import { shellQuote as q } from '../plan/quote.js';

export const NOT_HERE = 3;
/** A local backup file that is listed but missing or whose sha256 differs. */
export const BACKUP_CORRUPT = 5;

/** Finds `file` in the stash, else in one of `dirs` (moved into the stash when applying). */
export function findManifestScript(file: string, stash: string, dirs: readonly string[], apply: boolean): string {
  const lines = [`f=${q(file)}; s=${q(stash)}`, 'if [ -e "$s/$f" ]; then echo "stash $s"; exit 0; fi'];
  if (dirs.length > 0) {
    lines.push(`for d in ${dirs.map(q).join(' ')}; do`, '  if [ -e "$d/$f" ]; then');
    if (apply) lines.push('    set -e', '    mkdir -p -- "$s"', `    printf '%s\\n' "$d" > "$s/$f.from"`, '    mv -- "$d/$f" "$s/$f"');
    lines.push('    echo "dir $d"; exit 0', '  fi', 'done');
  }
  lines.push(`exit ${NOT_HERE}`);
  return lines.join('\n');
}

/**
 * Prints the first of `paths` that can be read, then its content. Two passes: a survivor's own
 * placeManifest may be moving the file from its manifests dir into its stash at that moment
 * (an atomic rename), so a file missed in one place is in the other on the second pass. The
 * content is read before the path is printed: a file renamed between the `-f` test and `cat`
 * made cat fail after the path was out, and the caller rebuilt from an empty manifest (seen as
 * MANIFEST_NO_COMMAND under load). The `x` keeps trailing newlines through `$(...)`.
 */
export function readFirstScript(paths: readonly string[]): string {
  const list = paths.map(q).join(' ');
  return [
    `for pass in 1 2; do for p in ${list}; do`,
    `  if [ -f "$p" ] && c=$(cat -- "$p" 2>/dev/null && printf x); then printf '%s\n%s' "$p" "\${c%x}"; exit 0; fi`,
    `done; done; exit ${NOT_HERE}`,
  ].join('\n');
}

/** Writes stdin as `<stash>/<file>` (temp + rename), recording in `<file>.created` where it came from. */
export function writeCreatedScript(file: string, stash: string, origin: string): string {
  return [
    'set -e',
    `f=${q(file)}; s=${q(stash)}`,
    'mkdir -p -- "$s"',
    'if [ -e "$s/$f" ]; then cat > /dev/null; echo "$s/$f exists: kept"; exit 0; fi',
    `printf '%s\\n' ${q(origin)} > "$s/$f.created"`,
    't="$s/.$f.kubedr-tmp"',
    'cat > "$t"',
    'chmod 600 "$t"',
    'mv -f -- "$t" "$s/$f"',
  ].join('\n');
}

/** Before an upload into the stash: the marker first, so an interrupted upload is still undone. */
export function prepareCreatedScript(file: string, stash: string, origin: string): string {
  return ['set -e', `f=${q(file)}; s=${q(stash)}`, 'mkdir -p -- "$s"', `printf '%s\\n' ${q(origin)} > "$s/$f.created"`].join('\n');
}

/** Names (relative to `dir`) of the files that are missing, one per line. */
export function missingFilesScript(dir: string, files: readonly string[]): string {
  return [`d=${q(dir)}`, `for f in ${files.map(q).join(' ')}; do [ -e "$d/$f" ] || printf '%s\\n' "$f"; done`, 'exit 0'].join('\n');
}

/**
 * On the operator machine: the sha256 SHA256SUMS lists for `rel`, after checking the file's
 * bytes against it. Exit 3: the backup has no such file; exit 5: listed but missing/changed.
 */
export function backupFileScript(backup: string, rel: string): string {
  return [
    `cd -- ${q(backup)} || { echo "backup dir "${q(backup)}" does not exist" >&2; exit 2; }`,
    `[ -f SHA256SUMS ] || { echo "no SHA256SUMS in "${q(backup)}": not a directory etcd-backup wrote" >&2; exit 2; }`,
    `line=$(awk -v p=${q(rel)} '$2 == p' SHA256SUMS)`,
    `[ -n "$line" ] || exit ${NOT_HERE}`,
    `[ -f ${q(rel)} ] || { echo ${q(rel)}" is listed in SHA256SUMS but missing from the backup" >&2; exit ${BACKUP_CORRUPT}; }`,
    `if command -v sha256sum >/dev/null 2>&1; then h=$(sha256sum < ${q(rel)}); else h=$(shasum -a 256 < ${q(rel)}); fi`,
    `[ "\${h%% *}" = "\${line%% *}" ] || { echo ${q(rel)}": sha256 \${h%% *} differs from SHA256SUMS (\${line%% *})" >&2; exit ${BACKUP_CORRUPT}; }`,
    `printf '%s\\n' "\${line%% *}"`,
  ].join('\n');
}

/** Records what ensureFiles uploaded, so its undo moves exactly those aside. */
export function ensuredMarker(dir: string, runId: string): string {
  return posix.join(dir, `.kubedr-restored-${runId}`);
}

export function recordEnsuredScript(dir: string, marker: string, rel: string): string {
  return ['set -e', `mkdir -p -- ${q(posix.dirname(posix.join(dir, rel)))}`, `printf '%s\\n' ${q(rel)} >> ${q(marker)}`].join('\n');
}
