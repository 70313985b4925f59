// DR action restoreNodeFiles: a node's own certificates (under its pki dir) that a disk loss
// took, uploaded from the backup's copy of THAT node (nodes/<node>/pki/…), never another's.
//   - id: node-certs
//     targets: { roles: [etcd] }
//     restoreNodeFiles: { files: [etcd/server.crt, etcd/server.key, etcd/peer.crt, etcd/peer.key], backup: "{{ params.backup }}" }
// Check (rehearsal, and a read-only preflight step before any change): every missing file is in
// the backup with its sha256, or the run is refused naming what is missing and how to provide it.
// Undo: what it uploaded (listed in <pki>/.kubedr-restored-<run>) is moved aside, never deleted.
// Idempotent: a present file is never replaced.
import type { Action, Template } from '../model/index.js';

export interface RestoreNodeFilesArgs {
  /** Paths relative to the node's pki dir. */
  files: string[];
  /** @default '' (no backup: a missing file refuses the run) */
  backup?: Template;
}

export const restoreNodeFilesSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['files'],
  properties: {
    files: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^(?!/)(?!.*\\.\\.)[A-Za-z0-9._/-]+$' }, description: "Files under the node's pki dir (etcd/server.crt …)" },
    backup: { type: 'string', description: 'Backup dir etcd-backup wrote, on this machine (empty: none)' },
  },
};

/** The etcd member's own certificates in a kubeadm pki dir. */
export const ETCD_MEMBER_FILES = ['etcd/server.crt', 'etcd/server.key', 'etcd/peer.crt', 'etcd/peer.key', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key'];

export function expandRestoreNodeFiles(args: RestoreNodeFilesArgs): { action: Action; check: Action; undo: Action; idempotent: true } {
  const base = { kind: 'ensureFiles' as const, files: args.files, backup: args.backup ?? '', sudo: true };
  const undo = [
    'd={{ node.paths.pkiDir }}; m="$d/.kubedr-restored-"{{ run.id }}',
    '[ -f "$m" ] || exit 0',
    'while IFS= read -r f; do if [ -e "$d/$f" ]; then mv -- "$d/$f" "$d/$f.kubedr-undone"; echo "$f: moved aside"; fi; done < "$m"',
    'mv -- "$m" "$m.undone"',
  ].join('\n');
  return { action: { ...base, mode: 'apply' }, check: { ...base, mode: 'check' }, undo: { kind: 'shell', script: undo, sudo: true }, idempotent: true };
}
