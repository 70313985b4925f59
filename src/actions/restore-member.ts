// restoreMember: one etcd member restored from the staged snapshot with ITS identity: --name is
// the member's etcd name (not the node name), its own --initial-advertise-peer-urls, the same
// --initial-cluster on every member and a fresh --initial-cluster-token per run; etcdutl gets
// --bump-revision/--mark-compacted where its version supports them. The restore goes into a new
// dir; then the old data dir moves aside to <dataDir>.kubedr-before-<run> (kept) and the
// restored one into place. Markers in the staging dir make a re-run resume where it stopped;
// undo moves the restored dir out and the old one back. Nothing is deleted.
// `swap: false` stops after the restore into the staging dir: nothing the cluster uses changes, so
// a runbook does it before the stop (etcd's restore also checks the snapshot's integrity hash),
// and the step after the stop (the default, swap: true) finds the restored dir and only swaps.
import { resolveTool, SNAP_TOOL_FN, toolCheck } from './etcd-shell.js';
import { SHA256_OF_F } from './check-snapshot.js';
import { creatable, script, word } from './shell.js';
import { DEFAULT_STAGE } from './stage-snapshot.js';
import type { DrAction, TemplateArg } from './types.js';

export interface RestoreMemberArgs {
  /** Expected sha256 of the staged snapshot, re-checked just before the restore. */
  sha256?: TemplateArg;
  stageDir?: TemplateArg;
  /** @default '{{ node.etcd.name }}' */
  name?: TemplateArg;
  /** @default '{{ node.etcd.peerURL }}' */
  peerURL?: TemplateArg;
  /** @default '{{ cluster.initialCluster }}' */
  initialCluster?: TemplateArg;
  /** @default 'kubedr-{{ run.id }}' */
  token?: TemplateArg;
  /** @default '{{ node.paths.etcdDataDir }}' */
  dataDir?: TemplateArg;
  /** @default 1000000000 */
  bumpRevision?: number | TemplateArg;
  /** @default '{{ etcd.tool }}' */
  tool?: TemplateArg;
  /** false: restore into the staging dir only (before the stop); a later restoreMember swaps. @default true */
  swap?: boolean;
}

export const restoreMember: DrAction<RestoreMemberArgs> = {
  name: 'restoreMember',
  summary: 'restore this etcd member from the staged snapshot with its own identity into a new dir, then swap it with the data dir (old one kept)',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      sha256: { type: 'string', description: 'Expected sha256 of the staged snapshot, checked again just before the restore.' },
      stageDir: { type: 'string', description: `As given to stageSnapshot. Default ${DEFAULT_STAGE}.` },
      name: { type: 'string', description: 'etcd member name. Default {{ node.etcd.name }} (never the node name).' },
      peerURL: { type: 'string', description: 'Default {{ node.etcd.peerURL }}.' },
      initialCluster: { type: 'string', description: 'name=peerURL,… of every member. Default {{ cluster.initialCluster }}.' },
      token: { type: 'string', description: 'Fresh cluster token. Default kubedr-{{ run.id }}.' },
      dataDir: { type: 'string', description: 'Data dir etcd runs from. Default {{ node.paths.etcdDataDir }}.' },
      bumpRevision: { type: ['integer', 'string'], description: '--bump-revision for etcdutl that supports it (with --mark-compacted). Default 1000000000.' },
      tool: { type: 'string', description: 'auto, etcdutl or etcdctl. Default {{ etcd.tool }}.' },
      swap: { type: 'boolean', description: 'false: only restore into <stageDir>/<run id>/restored (nothing the cluster uses changes: run it before the stop); a later restoreMember step swaps. Default true.' },
    },
  },
  expand: (a) => {
    const swap = a.swap !== false;
    const vars = `stage=${word(a.stageDir ?? DEFAULT_STAGE)}/{{ run.id }}; data=${word(a.dataDir ?? '{{ node.paths.etcdDataDir }}')}; old="$data.kubedr-before-"{{ run.id }}`;
    return {
      action: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          vars,
          'out="$stage/restored"',
          'if [ -e "$stage/swapped" ]; then echo "already restored and in place: $data"; exit 0; fi',
          '# Killed between the swap and its marker: the restored dir is in place already.',
          'if [ -e "$stage/swapping" ] && [ ! -e "$out" ] && [ -d "$data/member" ]; then : > "$stage/swapped"; chmod 700 "$data"; echo "already restored and in place (the swap had finished): $data"; exit 0; fi',
          'if [ ! -d "$out/member" ]; then',
          a.sha256 !== undefined && `  f="$stage/snapshot.db"; want=${word(a.sha256)}`,
          a.sha256 !== undefined && `  ${SHA256_OF_F}`,
          a.sha256 !== undefined && '  [ "$s" = "$want" ] || { echo "the staged snapshot changed: sha256 $s, expected $want" >&2; exit 1; }',
          '  # A crash mid-restore leaves a partial dir: keep it aside, restore again.',
          '  if [ -e "$out.partial" ]; then mv -- "$out.partial" "$out.partial.$(date +%s)"; fi',
          resolveTool(a.tool).replace(/^/gm, '  '),
          `  ${SNAP_TOOL_FN}`,
          `  set -- snapshot restore "$stage/snapshot.db" --name ${word(a.name ?? '{{ node.etcd.name }}')} --initial-cluster ${word(a.initialCluster ?? '{{ cluster.initialCluster }}')} \\`,
          `    --initial-advertise-peer-urls ${word(a.peerURL ?? '{{ node.etcd.peerURL }}')} --initial-cluster-token ${word(a.token ?? 'kubedr-{{ run.id }}')} --data-dir "$out.partial"`,
          `  if [ "$tool" = etcdutl ] && etcdutl snapshot restore --help 2>&1 | grep -q -- --bump-revision; then set -- "$@" --bump-revision ${word(String(a.bumpRevision ?? 1_000_000_000))} --mark-compacted; fi`,
          '  snap_tool "$@"',
          '  mv -- "$out.partial" "$out"',
          '  echo "restored with $tool into $out"',
          'fi',
          !swap && 'echo "restored into $out; the data dir $data is untouched until the swap"',
          swap && 'if [ -e "$data" ]; then',
          swap && '  [ ! -e "$old" ] || { echo "both $data and $old exist: resolve by hand" >&2; exit 1; }',
          swap && '  mv -- "$data" "$old"; echo "old data dir kept at $old"',
          swap && 'fi',
          swap && ': > "$stage/swapping"',
          swap && 'mv -- "$out" "$data"; : > "$stage/swapped"; chmod 700 "$data"',
          swap && 'echo "$data is the restored member"',
        ),
      },
      undo: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          vars,
          'out="$stage/restored"',
          '# The swap ran (its marker, and the restored dir is no longer beside it): $data is ours.',
          'if { [ -e "$stage/swapped" ] || [ -e "$stage/swapping" ]; } && [ ! -e "$out" ] && [ -e "$data" ]; then mv -- "$data" "$stage/restored.undone.$(date +%s)"; echo "restored data dir set aside"; fi',
          '# Also when killed between moving the old dir aside and the swap.',
          'if [ -e "$old" ] && [ ! -e "$data" ]; then mv -- "$old" "$data"; echo "old data dir back in $data"; fi',
          'if [ -d "$out" ]; then mv -- "$out" "$stage/restored.undone.$(date +%s)"; fi',
          'for m in swapped swapping; do if [ -e "$stage/$m" ]; then mv -- "$stage/$m" "$stage/$m.undone"; fi; done',
        ),
      },
      check: { kind: 'shell', sudo: true, script: script(toolCheck(a.tool), vars, 'p=$(dirname "$data"); test -d "$p" && test -w "$p" || { echo "cannot move the data dir aside: $p is not a writable dir" >&2; exit 1; }', creatable('stage', 'the staging dir')) },
      idempotent: true,
      timeoutMs: 1_800_000,
    };
  },
};
