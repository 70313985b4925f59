// DR action placeManifest: a member's static-pod manifest into the run's stash, from wherever
// it survived — stashed earlier, in place, a dir the operator names, the backup's copy of this
// node, or rebuilt from a surviving member's with this node's identity (src/etcd/manifest-identity).
//   - id: place-etcd-manifest
//     targets: { roles: [etcd] }
//     placeManifest: { file: etcd.yaml, stashDir: "{{ params.stashDir }}", searchPath: "{{ params.manifestSearchPath }}", backup: "{{ params.backup }}" }
// Check (rehearsal): names the source per node, a rebuilt file as a diff against its source.
// `checkOnly: true` makes the step that check alone (read-only; preflight refuses the run when
// a node has no source). `createOnly: true` creates only a file no dir has (backup, rebuilt) and
// leaves one in place where it is: the rebuild before the stop, the move at the stop.
// Undo: a moved file goes back where it was (`<file>.from`, the same record stopStaticPods
// keeps); a created one is moved aside, never deleted, into the run's staging dir
// (`<stageDir>/<run id>/placed-undone/`) with its `.created` marker: outside /etc/kubernetes, so
// a rollback leaves that tree as it was before the run. Idempotent: a stashed file is the first
// source.
import { DEFAULT_STAGE } from './stage-snapshot.js';
import { DEFAULT_STASH } from './static-pods.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';
import type { Action } from '../model/index.js';

export interface PlaceManifestArgs {
  /** A file name of the manifests dir: etcd.yaml, kube-apiserver.yaml. */
  file: string;
  /** @default '/etc/kubernetes/kubedr-stash' (the run's stash is `<stashDir>/<run id>`) */
  stashDir?: TemplateArg;
  /** Colon-separated node dirs an operator moved manifests to. @default '' */
  searchPath?: TemplateArg;
  /** Per-run staging dirs; an undo sets created files aside in `<stageDir>/<run id>/placed-undone`. @default '/var/lib/kubedr/runs' */
  stageDir?: TemplateArg;
  /** The backup dir etcd-backup wrote, on this machine. @default '' (none) */
  backup?: TemplateArg;
  /** Only say where the file would come from (read-only). @default false */
  checkOnly?: boolean;
  /** Create a missing file in the stash (backup, rebuilt); leave one in place or in searchPath where it is. @default false */
  createOnly?: boolean;
}

const FILE = '^[A-Za-z0-9][A-Za-z0-9._-]*\\.(yaml|yml|json)$';

export const placeManifest: DrAction<PlaceManifestArgs> = {
  name: 'placeManifest',
  summary: "a static-pod manifest into the run's stash: stashed, in place, searchPath, the backup's copy of this node, or rebuilt from a survivor's with this node's identity",
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: { type: 'string', pattern: FILE, description: 'File name in the manifests dir (etcd.yaml, kube-apiserver.yaml).' },
      stashDir: { type: 'string', description: `Dir of the per-run stashes (<stashDir>/<run id>), outside the manifests dir. Default ${DEFAULT_STASH}.` },
      searchPath: { type: 'string', description: 'Colon-separated node dirs where the file may have been moved by hand. Default none.' },
      stageDir: { type: 'string', description: `Per-run staging dirs; the undo sets created files aside in <stageDir>/<run id>/placed-undone. Default ${DEFAULT_STAGE}.` },
      backup: { type: 'string', description: "Backup dir etcd-backup wrote, on this machine; its nodes/<node>/manifests/<file> is this node's copy. Default none." },
      checkOnly: { type: 'boolean', description: 'Only report where the file would come from (read-only, for preflight). Default false.' },
      createOnly: { type: 'boolean', description: 'Only create the file in the stash when no dir has it (from the backup or rebuilt from a survivor); a file in place or in searchPath stays there, so nothing stops: the rebuild can run before the stop. Default false.' },
    },
  },
  expand: (a) => {
    const stash = `${a.stashDir ?? DEFAULT_STASH}/{{ run.id }}`;
    const base = { kind: 'placeManifest' as const, file: a.file, stash, searchPath: a.searchPath ?? '', backup: a.backup ?? '', sudo: true };
    const check: Action = { ...base, mode: 'check' };
    if (a.checkOnly === true) return { action: check, idempotent: true, readOnly: true };
    return { action: { ...base, mode: 'apply', ...(a.createOnly === true ? { createOnly: true } : {}) }, check, undo: { kind: 'shell', sudo: true, script: undoScript(a.file, stash, `${a.stageDir ?? DEFAULT_STAGE}/{{ run.id }}`) }, idempotent: true };
  },
};

function undoScript(file: string, stash: TemplateArg, stage: TemplateArg): string {
  return script(
    'set -e',
    `f=${word(file)}; s=${word(stash)}; u=${word(stage)}/placed-undone`,
    'if [ -e "$s/$f" ] && [ -e "$s/$f.from" ]; then d=$(cat "$s/$f.from"); mv -- "$s/$f" "$d/$f"; echo "$f: back in $d"; fi',
    // Set aside outside the stash: the stash is under /etc/kubernetes, which the kubelet and
    // operators watch, and a rolled-back node must look there exactly as before the run.
    'if [ -e "$s/$f.created" ]; then',
    '  mkdir -p -- "$u"; t=$(date +%s)',
    '  if [ -e "$s/$f" ]; then mv -- "$s/$f" "$u/$f.kubedr-undone.$t"; echo "$f: created by this run, moved aside to $u/$f.kubedr-undone.$t"; fi',
    '  mv -- "$s/$f.created" "$u/$f.created.$t"',
    'fi',
    // A write or upload cut short leaves its temp file (.<file>.kubedr-…): set aside too.
    'for x in "$s/.$f".kubedr-*; do [ -e "$x" ] || continue; mkdir -p -- "$u"; mv -- "$x" "$u/${x##*/}.$(date +%s)"; done',
    // .from is this run's bookkeeping (as stopStaticPods removes its own): an undo that put
    // everything back leaves no stash behind.
    'rm -f -- "$s/$f.from"',
    'rmdir -- "$s" "$(dirname "$s")" 2>/dev/null || true',
  );
}
