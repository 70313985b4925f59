// memberStatus: what one member holds, for the operator to see before a quorum restore: its
// revision and raft index from `endpoint status` while etcd answers (it does even without
// quorum), its data dir's db size and last write either way, and how many revisions newer
// than the last backup it is. Read-only.
import { CTL, STATUS_FIELD } from './member-shell.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

// A stopped member's revision from its bolt db, read-only: `snapshot status` (etcdutl where it
// exists, etcdctl in 3.4) reads the key bucket's highest revision, which a member db holds as a
// snapshot does. Bounded by `timeout`: a read-only open waits for the lock a live etcd holds.
const OFFLINE_REVISION = String.raw`off=$( { if command -v etcdutl >/dev/null 2>&1; then timeout 20 etcdutl snapshot status "$db" -w json; else ETCDCTL_API=3 timeout 20 etcdctl snapshot status "$db" -w json; fi; } 2>/dev/null | tr ',{}' '\n\n\n' | sed -n 's/^"revision":\([0-9][0-9]*\)$/\1/p' | head -n 1)`;

export interface MemberStatusArgs {
  /** Revision of the last backup (its cluster.json "revision"); 0 = none. @default 0 */
  backupRevision?: TemplateArg | number;
}

export const memberStatus: DrAction<MemberStatusArgs> = {
  name: 'memberStatus',
  summary: "show the member's revision, raft index and last write (and how far past the backup it is)",
  argsSchema: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: { backupRevision: { type: ['string', 'integer'], description: 'Revision of the last backup; 0 = none. Default 0.' } },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      script: script(
        CTL,
        STATUS_FIELD,
        `me={{ node.etcd.name }}; url={{ node.etcd.clientURL }}; data={{ node.paths.etcdDataDir }}; b=${word(String(a?.backupRevision ?? 0))}`,
        'st=$(ctl --endpoints="$url" --command-timeout=5s endpoint status -w json 2>/dev/null) || st=""',
        'rev=$(field revision); idx=$(field raftIndex)',
        'if [ -n "$rev" ]; then line="etcd answers: revision $rev, raft index $idx"; else line="etcd does not answer"; fi',
        'db="$data/member/snap/db"',
        'if [ -e "$db" ]; then',
        '  line="$line; data dir: db $(wc -c < "$db") bytes, last write $(date -u -r "$db" +%Y-%m-%dT%H:%M:%SZ)"',
        '  if [ -z "$rev" ]; then',
        `    ${OFFLINE_REVISION}`,
        '    if [ -n "$off" ]; then line="$line, revision $off (read offline)"; rev=$off; else line="$line, revision unreadable offline"; fi',
        '  fi',
        'else line="$line; data dir: no data"; fi',
        'if [ -n "$rev" ] && [ "$b" -gt 0 ]; then line="$line; $((rev - b)) revision(s) newer than the backup (revision $b)"; fi',
        'echo "candidate $me: $line"',
      ),
      sudo: true,
    },
    idempotent: true,
    readOnly: true,
  }),
};
