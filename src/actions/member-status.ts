// memberStatus: what one member holds, for the operator to see before a quorum restore: its
// revision and raft index from `endpoint status` while etcd answers (it does even without
// quorum), its data dir's db size and last write either way, and how many revisions newer
// than the last backup it is. Read-only.
import { CTL, STATUS_FIELD } from './member-shell.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

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
        'if [ -e "$data/member/snap/db" ]; then',
        '  line="$line; data dir: db $(wc -c < "$data/member/snap/db") bytes, last write $(date -u -r "$data/member/snap/db" +%Y-%m-%dT%H:%M:%SZ)"',
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
