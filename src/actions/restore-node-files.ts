// DR action restoreNodeFiles: a node's own certificates (under its pki dir) that a disk loss
// took, uploaded from the backup's copy of THAT node (nodes/<node>/pki/…), never another's.
//   - id: restore-node-certs
//     targets: { roles: [etcd] }
//     restoreNodeFiles: { backup: "{{ params.backup }}" }
// Check (rehearsal): every missing file is in the backup with its sha256, or the node is
// refused naming what is missing and how to provide it. `checkOnly: true` makes the step that
// check alone (read-only), so a preflight step refuses the run on every node before any node
// changes. Undo: what it uploaded (listed in <pki>/.kubedr-restored-<run>) is moved aside.
// Idempotent: a present file is never replaced.
import { script } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';
import type { Action } from '../model/index.js';

export interface RestoreNodeFilesArgs {
  /** Paths relative to the node's pki dir. @default ETCD_MEMBER_FILES */
  files?: string[];
  /** The backup dir etcd-backup wrote, on this machine. @default '' (none: a missing file refuses the run) */
  backup?: TemplateArg;
  /** @default false */
  checkOnly?: boolean;
}

/**
 * What a member needs under a kubeadm pki dir's etcd/ when that dir is gone: the etcd CA (the
 * backup keeps it once, under shared/pki, for every node) and the member's own certificates.
 */
export const ETCD_MEMBER_FILES = ['etcd/ca.crt', 'etcd/ca.key', 'etcd/server.crt', 'etcd/server.key', 'etcd/peer.crt', 'etcd/peer.key', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key'];

export const restoreNodeFiles: DrAction<RestoreNodeFilesArgs> = {
  name: 'restoreNodeFiles',
  summary: "a node's own lost certificates from the backup's copy of that node (never another node's), or the run refused",
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      files: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^(?!/)(?!.*\\.\\.)[A-Za-z0-9._/-]+$' }, description: `Files under the node's pki dir. Default ${ETCD_MEMBER_FILES.join(', ')}.` },
      backup: { type: 'string', description: 'Backup dir etcd-backup wrote, on this machine. Default none (a missing file refuses the run).' },
      checkOnly: { type: 'boolean', description: 'Only check (read-only, for preflight). Default false.' },
    },
  },
  expand: (a) => {
    const base = { kind: 'ensureFiles' as const, files: a.files ?? ETCD_MEMBER_FILES, backup: a.backup ?? '', sudo: true };
    const check: Action = { ...base, mode: 'check' };
    if (a.checkOnly === true) return { action: check, idempotent: true, readOnly: true };
    const undo = script(
      'd={{ node.paths.pkiDir }}; m="$d/.kubedr-restored-"{{ run.id }}',
      '[ -f "$m" ] || exit 0',
      'while IFS= read -r f; do if [ -e "$d/$f" ]; then mv -- "$d/$f" "$d/$f.kubedr-undone"; echo "$f: moved aside"; fi; done < "$m"',
      'mv -- "$m" "$m.undone"',
    );
    return { action: { ...base, mode: 'apply' }, check, undo: { kind: 'shell', sudo: true, script: undo }, idempotent: true };
  },
};
