// checkMemberRemoval: may this member be replaced? Its ID from `member list`, matched by its
// peer URL (and its name, when it has one). Refused when quorum is already lost (that is
// quorum-restore's case), when the member is healthy (unless forced: nothing is broken), and
// when removing it would leave too few healthy members for quorum. Read-only.
import { CTL } from './member-shell.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface CheckMemberRemovalArgs {
  member: TemplateArg;
  /** Allow replacing a healthy member. @default false */
  force?: TemplateArg | boolean;
}

/** Shell: `$list` (member list from any answering endpoint), `$line` (the member's line), `$peer`. */
export const FIND_MEMBER = [
  'ic={{ cluster.initialCluster }}; eps={{ cluster.etcdEndpoints }}',
  String.raw`peer=$(printf '%s' "$ic" | tr , '\n' | awk -v n="$want" 'index($0, n "=") == 1 { print substr($0, length(n) + 2) }')`,
  '[ -n "$peer" ] || { echo "$want is not an etcd member of the inventory" >&2; exit 1; }',
  'list=""; for u in $(printf \'%s\' "$eps" | tr , \' \'); do [ -n "$list" ] || list=$(ctl --endpoints="$u" member list 2>/dev/null) || list=""; done',
  '[ -n "$list" ] || { echo "no member answers member list: quorum is lost (use quorum-restore)" >&2; exit 1; }',
  String.raw`line=$(printf '%s\n' "$list" | awk -F', ' -v p="$peer" '$4 == p')`,
].join('\n');

export const checkMemberRemoval: DrAction<CheckMemberRemovalArgs> = {
  name: 'checkMemberRemoval',
  summary: 'refuse to replace a member that is healthy (unless forced) or whose removal would lose quorum',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['member'],
    properties: {
      member: { type: 'string', description: 'etcd member name (not necessarily the node name).' },
      force: { type: ['string', 'boolean'], description: 'Allow replacing a healthy member. Default false.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      script: script(
        'set -e',
        CTL,
        `want=${word(a.member)}; force=${word(String(a.force ?? false))}`,
        FIND_MEMBER,
        "total=$(printf '%s\\n' \"$list\" | grep -c .)",
        "murl=$(printf '%s' \"$line\" | awk -F', ' '{ print $5 }')",
        'healthy=0; mine=false',
        "for u in $(printf '%s\\n' \"$list\" | awk -F', ' '$6 == \"false\" && $5 != \"\" { print $5 }'); do",
        '  if ctl --endpoints="$u" --command-timeout=5s endpoint health >/dev/null 2>&1; then healthy=$((healthy + 1)); [ "$u" != "$murl" ] || mine=true; fi',
        'done',
        '[ "$healthy" -ge $((total / 2 + 1)) ] || { echo "only $healthy of $total members are healthy: quorum is lost (use quorum-restore)" >&2; exit 1; }',
        'if [ -z "$line" ]; then echo "$want ($peer) is not in the member list (removed earlier): the run adds it back"; exit 0; fi',
        "id=$(printf '%s' \"$line\" | cut -d, -f1); name=$(printf '%s' \"$line\" | awk -F', ' '{ print $3 }')",
        '[ -z "$name" ] || [ "$name" = "$want" ] || { echo "the member with peer URL $peer is named $name, not $want: check the inventory" >&2; exit 1; }',
        'if [ "$mine" = true ] && [ "$force" != true ]; then echo "member $want ($id) is healthy: nothing to replace (force replaces it anyway)" >&2; exit 1; fi',
        'others=$healthy; [ "$mine" = false ] || others=$((healthy - 1))',
        '[ "$others" -ge $(((total - 1) / 2 + 1)) ] || { echo "removing $want would leave $others healthy of $((total - 1)) members: quorum would be lost" >&2; exit 1; }',
        'echo "member $want: id $id, peer $peer, healthy $mine; $healthy of $total healthy; after the removal $others of $((total - 1)): quorum holds"',
      ),
      sudo: true,
    },
    idempotent: true,
    readOnly: true,
  }),
};
