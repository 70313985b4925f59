// DR action placeManifest: a member's static-pod manifest into the run's stash, from wherever
// it survived — in place, stashed earlier, a dir the operator names, the backup's copy of this
// node, or rebuilt from a surviving member's with this node's identity (src/etcd/manifest-identity).
//   - id: stash-etcd
//     targets: { roles: [etcd] }
//     placeManifest: { file: etcd.yaml, stash: "{{ params.stashDir }}/{{ run.id }}", searchPath: "{{ params.manifestSearchPath }}", backup: "{{ params.backup }}" }
// Check (rehearsal): names the source per node, a rebuilt file as a diff against its source.
// Undo: a moved file goes back where it was (`<file>.from`); a created one is moved aside.
// Idempotent: a file already in the stash is the first source.
import type { Action, Template } from '../model/index.js';

export interface PlaceManifestArgs {
  /** A file name of the manifests dir: etcd.yaml, kube-apiserver.yaml. */
  file: string;
  /** The run's stash dir on the node, outside the manifests dir. */
  stash: Template;
  /** @default '' */
  searchPath?: Template;
  /** @default '' (no backup) */
  backup?: Template;
}

const FILE = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

export const placeManifestSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['file', 'stash'],
  properties: {
    file: { type: 'string', pattern: FILE, description: 'File name in the manifests dir (etcd.yaml, kube-apiserver.yaml)' },
    stash: { type: 'string', minLength: 1, description: "The run's stash dir on the node (outside the manifests dir)" },
    searchPath: { type: 'string', description: 'Colon-separated node dirs an operator moved manifests to' },
    backup: { type: 'string', description: 'Backup dir etcd-backup wrote, on this machine (empty: none)' },
  },
};

export function expandPlaceManifest(args: PlaceManifestArgs): { action: Action; check: Action; undo: Action; idempotent: true } {
  const base = { kind: 'placeManifest' as const, file: args.file, stash: args.stash, searchPath: args.searchPath ?? '', backup: args.backup ?? '', sudo: true };
  return { action: { ...base, mode: 'apply' }, check: { ...base, mode: 'check' }, undo: { kind: 'shell', script: undoScript(args.file, args.stash), sudo: true }, idempotent: true };
}

/** `file` matches FILE (schema), so it is a safe shell word; `stash` renders single-quoted. */
function undoScript(file: string, stash: Template): string {
  if (!new RegExp(FILE).test(file)) throw new Error(`placeManifest: ${JSON.stringify(file)} is not a file name`);
  return [
    'set -e',
    `f=${file}; s=${stash}`,
    'if [ -e "$s/$f" ] && [ -e "$s/$f.from" ]; then d=$(cat "$s/$f.from"); mv -- "$s/$f" "$d/$f"; echo "$f: back in $d"; fi',
    'if [ -e "$s/$f" ] && [ -e "$s/$f.created" ]; then a="$s/$f.kubedr-undone.$(date +%s)"; mv -- "$s/$f" "$a"; echo "$f: created by this run, moved aside to $a"; fi',
    'for m in "$s/$f.from" "$s/$f.created"; do if [ -e "$m" ]; then mv -- "$m" "$m.undone"; fi; done',
  ].join('\n');
}
