// chooseSurvivor: the member a quorum restore forces a new cluster from — the one with the
// highest revision, then raft index (OpenShift's and vmware's rule), or the one the operator
// names. Refused while a majority is healthy (quorum holds: replace the lost members instead)
// and when no member answers (restore a snapshot instead). Read-only; prints only the name
// (steps refer to it as {{ steps.<id>.stdout }}), the figures go to stderr.
import { CTL, MEMBERS } from './member-shell.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface ChooseSurvivorArgs {
  /** Member name to force from instead of the most advanced one. @default '' */
  survivor?: TemplateArg;
  /** Choose even though quorum holds. @default false */
  force?: TemplateArg | boolean;
}

export const chooseSurvivor: DrAction<ChooseSurvivorArgs> = {
  name: 'chooseSurvivor',
  summary: 'choose the most advanced answering member (revision, then raft index); refused while quorum holds',
  argsSchema: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      survivor: { type: 'string', description: 'Member to force from instead of the most advanced one. Default: none.' },
      force: { type: ['string', 'boolean'], description: 'Choose even though a majority is healthy. Default false.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'capture',
      command: script(
        'set -e',
        CTL,
        MEMBERS,
        `want=${word(a?.survivor ?? '')}; force=${word(String(a?.force ?? false))}`,
        'best=""; bestrev=-1; bestidx=-1; healthy=0; total=0; seen=""',
        'for m in $(members); do',
        '  name=${m%%#*}; url=${m#*#}; total=$((total + 1))',
        '  st=$(ctl --endpoints="$url" --command-timeout=5s endpoint status -w json 2>/dev/null) || st=""',
        String.raw`  rev=$(printf '%s' "$st" | tr ',{}' '\n\n\n' | sed -n 's/^"revision":\([0-9][0-9]*\)$/\1/p' | head -n 1)`,
        String.raw`  idx=$(printf '%s' "$st" | tr ',{}' '\n\n\n' | sed -n 's/^"raftIndex":\([0-9][0-9]*\)$/\1/p' | head -n 1)`,
        '  if [ -z "$rev" ]; then echo "$name: no answer from $url" >&2; continue; fi',
        '  echo "$name: revision $rev, raft index ${idx:-?}" >&2; seen="$seen $name"',
        '  if ctl --endpoints="$url" --command-timeout=5s endpoint health >/dev/null 2>&1; then healthy=$((healthy + 1)); fi',
        '  if [ -n "$want" ]; then [ "$name" != "$want" ] || best=$name; continue; fi',
        '  if [ "$rev" -gt "$bestrev" ] || { [ "$rev" -eq "$bestrev" ] && [ "${idx:-0}" -gt "$bestidx" ]; }; then best=$name; bestrev=$rev; bestidx=${idx:-0}; fi',
        'done',
        'if [ "$healthy" -ge $((total / 2 + 1)) ] && [ "$force" != true ]; then echo "quorum holds ($healthy of $total members healthy): replace lost members with replace-member instead, or set force" >&2; exit 1; fi',
        'if [ -n "$want" ] && [ -z "$best" ]; then echo "survivor $want does not answer (members answering:${seen:- none})" >&2; exit 1; fi',
        '[ -n "$best" ] || { echo "no member answers: no survivor to force a new cluster from (restore a snapshot with ha-restore)" >&2; exit 1; }',
        'echo "$best"',
      ),
      secret: false,
      sudo: true,
    },
    idempotent: true,
    readOnly: true,
  }),
};
