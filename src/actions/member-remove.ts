// memberRemove: `member remove` of this node's member, by the ID etcd reports for its peer URL
// (and name), asked through the other members; the quorum is checked again right before (the
// preflight's answer may be minutes old). Acts only on the node of `member`. No undo: etcd
// never takes a removed ID back; after a rollback, resume re-adds the member (memberAdd).
import { CTL } from './member-shell.js';
import { FIND_MEMBER } from './check-member-removal.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface MemberRemoveArgs {
  member: TemplateArg;
  /** The run's staging dir on the node (records the removed ID). */
  stage: TemplateArg;
}

export const memberRemove: DrAction<MemberRemoveArgs> = {
  name: 'memberRemove',
  summary: "remove this node's member by the ID etcd reports for its peer URL, after re-checking quorum",
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['member', 'stage'],
    properties: {
      member: { type: 'string', description: 'etcd member name (not necessarily the node name).' },
      stage: { type: 'string', description: "The run's staging dir on the node." },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      script: script(
        'set -e',
        `want=${word(a.member)}; stage=${word(a.stage)}`,
        '[ {{ node.etcd.name }} = "$want" ] || { echo "not member $want: nothing to do here"; exit 0; }',
        CTL,
        FIND_MEMBER,
        'mkdir -p -m 0700 "$stage"',
        'if [ -z "$line" ]; then echo "$want ($peer) is not a member"; exit 0; fi',
        "name=$(printf '%s' \"$line\" | awk -F', ' '{ print $3 }')",
        '[ -z "$name" ] || [ "$name" = "$want" ] || { echo "the member with peer URL $peer is named $name, not $want" >&2; exit 1; }',
        "total=$(printf '%s\\n' \"$list\" | grep -c .)",
        'healthy=0; others=""',
        "for u in $(printf '%s\\n' \"$list\" | awk -F', ' -v p=\"$peer\" '$4 != p && $6 == \"false\" && $5 != \"\" { print $5 }'); do",
        '  others="${others:+$others,}$u"',
        '  if ctl --endpoints="$u" --command-timeout=5s endpoint health >/dev/null 2>&1; then healthy=$((healthy + 1)); fi',
        'done',
        '[ "$healthy" -ge $(((total - 1) / 2 + 1)) ] || { echo "removing $want would leave $healthy healthy of $((total - 1)) members: refused" >&2; exit 1; }',
        "id=$(printf '%s' \"$line\" | cut -d, -f1)",
        'ctl --endpoints="$others" member remove "$id"',
        "printf '%s\\n' \"$id\" > \"$stage/member-removed\"",
      ),
      sudo: true,
    },
    check: { kind: 'shell', script: 'command -v etcdctl >/dev/null || { echo "etcdctl is not installed" >&2; exit 1; }', sudo: false },
    idempotent: true,
  }),
};
