// collectNodeFiles: on each control-plane node, what a re-imaged node needs back, in the backup's
// layout: its static-pod manifests (nodes/<node>/manifests/), its own certificates
// (nodes/<node>/pki/), kubeadm's CA material (shared/pki/, the same on every node: the operator
// side keeps one copy and refuses a difference), its kubeadm config when present, and the sha256
// of each file hashed ON THE NODE (.sums/<node>), packed as node-files.tar in the staging dir.
// Idempotent: a node whose tar this run already made is not collected again; a partial
// collection is moved aside, never deleted.
import { SHARED_PKI } from '../etcd/backup/layout.js';
import { backupStage, commandsCheck, moveAsideFiles, STAGE_DIR_SCHEMA } from './backup-paths.js';
import { creatable, script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface CollectNodeFilesArgs {
  stageDir?: TemplateArg;
  /** @default '{{ node.paths.manifestDir }}' */
  manifestDir?: TemplateArg;
  /** @default '{{ node.paths.pkiDir }}' */
  pkiDir?: TemplateArg;
  /** Captured when present. @default '/etc/kubernetes/kubeadm-config.yaml' */
  kubeadmConfig?: TemplateArg;
}

export const DEFAULT_KUBEADM_CONFIG = '/etc/kubernetes/kubeadm-config.yaml';

export const collectNodeFiles: DrAction<CollectNodeFilesArgs> = {
  name: 'collectNodeFiles',
  summary: 'pack the node\'s manifests, own certificates, shared CA material and kubeadm config with node-side sha256s',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stageDir: STAGE_DIR_SCHEMA,
      manifestDir: { type: 'string', minLength: 1, description: 'The kubelet\'s static-pod dir. Default {{ node.paths.manifestDir }}.' },
      pkiDir: { type: 'string', minLength: 1, description: 'kubeadm\'s certificate dir. Default {{ node.paths.pkiDir }}.' },
      kubeadmConfig: { type: 'string', minLength: 1, description: `The node's kubeadm config, captured when present. Default ${DEFAULT_KUBEADM_CONFIG}.` },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      sudo: true,
      script: script(
        'set -e',
        `stage=${backupStage(a.stageDir)}; node={{ node.name }}`,
        `m=${word(a.manifestDir ?? '{{ node.paths.manifestDir }}')}; pki=${word(a.pkiDir ?? '{{ node.paths.pkiDir }}')}; kc=${word(a.kubeadmConfig ?? DEFAULT_KUBEADM_CONFIG)}`,
        'if [ -e "$stage/node-files.tar" ]; then echo "$node: already collected by this run"; exit 0; fi',
        'mkdir -p -m 0700 -- "$stage"; out="$stage/files"',
        'if [ -e "$out" ]; then mv -- "$out" "$out.partial.$(date +%s)"; fi',
        'mkdir -p "$out/nodes/$node/manifests" "$out/nodes/$node/pki" "$out/shared/pki" "$out/.sums"',
        'for f in "$m"/*.yaml "$m"/*.yml "$m"/*.json; do if [ -f "$f" ]; then cp -p -- "$f" "$out/nodes/$node/manifests/"; fi; done',
        'if [ -d "$pki" ]; then',
        '  (cd "$pki" && find . -type f) | sed \'s|^\\./||\' | while IFS= read -r f; do',
        '    # kubeadm\'s shared CA material; everything else in pki/ is this node\'s own.',
        `    case "$f" in ${SHARED_PKI.join('|')}) to="$out/shared/pki/$f" ;; *) to="$out/nodes/$node/pki/$f" ;; esac`,
        '    mkdir -p "$(dirname "$to")"; cp -p -- "$pki/$f" "$to"',
        '  done',
        'fi',
        'if [ -f "$kc" ]; then cp -p -- "$kc" "$out/nodes/$node/kubeadm-config.yaml"; fi',
        'ls "$out/nodes/$node/manifests" | grep -q . || { echo "no static-pod manifest in $m on $node" >&2; exit 1; }',
        '(cd "$out" && find nodes shared -type f -exec sha256sum {} + | sort -k 2 > ".sums/$node")',
        'tar -cf "$stage/node-files.tar.part" -C "$out" .; chmod 600 "$stage/node-files.tar.part"',
        'mv -- "$stage/node-files.tar.part" "$stage/node-files.tar"',
        'echo "$node: $(wc -l < "$out/.sums/$node") files"',
      ),
    },
    undo: { kind: 'shell', sudo: true, script: script(`d=${backupStage(a.stageDir)}`, moveAsideFiles(['node-files.tar'])) },
    check: {
      kind: 'shell',
      sudo: true,
      script: script(
        commandsCheck(['sha256sum', 'find', 'sort', 'sed', 'tar']),
        `m=${word(a.manifestDir ?? '{{ node.paths.manifestDir }}')}; node={{ node.name }}`,
        'test -d "$m" || { echo "no manifests dir $m on $node" >&2; exit 1; }',
        `s=${backupStage(a.stageDir)}`,
        creatable('s', 'the staging dir'),
      ),
    },
    idempotent: true,
  }),
};
