// memberAdd: (re)join this node's member to a running cluster, the way etcd's docs and
// OpenShift do it: its old data dir moved aside (<data-dir>.kubedr-before-<run>; a joining
// member needs an empty one), `member add` as a learner where etcdctl has --learner (a learner
// does not count for quorum while it catches up), its stopped etcd.yaml written into the
// manifests dir with --initial-cluster = the current member list (itself included) and
// --initial-cluster-state=existing, then promoted once in sync and waited for until it is a
// healthy voting member. Run it on one node at a time (concurrency: serial). Undo: etcd stopped,
// the old data dir and the stopped manifest back (the joined ones kept aside). Re-runnable.
import { CTL, EXCEPT_SKIP, MEMBERS, ONLY_WANT, WAIT_ETCD_EXITED } from './member-shell.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface MemberAddArgs {
  /** Act only on the node of this member (the others print "nothing to do"). */
  only?: TemplateArg;
  /** Act on every member but this one (e.g. the survivor of a quorum restore). */
  except?: TemplateArg;
  /** Member whose client URL etcdctl uses. @default every other member */
  via?: TemplateArg;
  /** Dir holding this node's stopped etcd.yaml, e.g. '{{ params.stashDir }}/{{ run.id }}'. */
  stash: TemplateArg;
  /** The run's staging dir on the node (markers). */
  stage: TemplateArg;
}

export const memberAdd: DrAction<MemberAddArgs> = {
  name: 'memberAdd',
  summary: "add this node's member back: old data dir aside, member add (learner), manifest with the current members, start, promote",
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['stash', 'stage'],
    properties: {
      only: { type: 'string', description: 'Act only on the node of this member.' },
      except: { type: 'string', description: 'Act on every member but this one.' },
      via: { type: 'string', description: 'Member whose client URL etcdctl uses. Default: every other member.' },
      stash: { type: 'string', description: "Dir holding this node's stopped etcd.yaml." },
      stage: { type: 'string', description: "The run's staging dir on the node." },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      script: script(
        'set -e',
        a.only !== undefined && `want=${word(a.only)}`,
        a.only !== undefined && ONLY_WANT,
        a.except !== undefined && `skip=${word(a.except)}`,
        a.except !== undefined && EXCEPT_SKIP,
        CTL,
        MEMBERS,
        `stash=${word(a.stash)}; stage=${word(a.stage)}; via=${word(a.via ?? '')}`,
        'me={{ node.etcd.name }}; peer={{ node.etcd.peerURL }}; url={{ node.etcd.clientURL }}',
        'm={{ node.paths.manifestDir }}; data={{ node.paths.etcdDataDir }}; old="$data.kubedr-before-"{{ run.id }}',
        'eps=""; for x in $(members); do n=${x%%#*}; u=${x#*#}; if [ "$n" != "$me" ] && { [ -z "$via" ] || [ "$n" = "$via" ]; }; then eps="${eps:+$eps,}$u"; fi; done',
        '[ -n "$eps" ] || { echo "no other member to add $me through" >&2; exit 1; }',
        'e() { ctl --endpoints="$eps" "$@"; }',
        String.raw`mine() { e member list | awk -F', ' -v p="$peer" '$4 == p'; }`,
        'mkdir -p -m 0700 "$stage"',
        'if [ ! -e "$stage/data-moved" ]; then',
        '  if [ -e "$data" ]; then [ ! -e "$old" ] || { echo "both $data and $old exist: resolve by hand" >&2; exit 1; }; mv -- "$data" "$old"; echo "old data dir kept at $old"; fi',
        '  : > "$stage/data-moved"',
        'fi',
        'if [ -z "$(mine)" ]; then',
        '  learner=""; if etcdctl member add --help 2>&1 | grep -q -- --learner; then learner=--learner; fi',
        '  # etcd refuses a member add until the members it has are connected long enough.',
        '  i=0',
        '  until out=$(e member add "$me" --peer-urls="$peer" $learner 2>&1); do',
        '    i=$((i + 1))',
        '    case "$out" in *"unhealthy cluster"*|*"not ready"*) [ $i -lt 120 ] || { echo "$out" >&2; exit 1; }; sleep 1 ;; *) echo "$out" >&2; exit 1 ;; esac',
        '  done',
        '  echo "member add $me $peer $learner"',
        'fi',
        '# The current member list, this member (unnamed until it starts) included.',
        String.raw`ic=$(e member list | awk -F', ' -v me="$me" -v p="$peer" '{ n = ($4 == p) ? me : $3; printf "%s%s=%s", s, n, $4; s = "," }')`,
        '[ -e "$stash/etcd.yaml.orig" ] || mv -- "$stash/etcd.yaml" "$stash/etcd.yaml.orig"',
        'grep -q -- "- --initial-cluster=" "$stash/etcd.yaml.orig" || { echo "$stash/etcd.yaml.orig has no --initial-cluster flag" >&2; exit 1; }',
        '# kubeadm init writes no --initial-cluster-state (etcd then assumes new): added after --initial-cluster.',
        'st=0; if grep -q -- "- --initial-cluster-state=" "$stash/etcd.yaml.orig"; then st=1; fi',
        String.raw`awk -v ic="$ic" -v st="$st" '{ if ($0 ~ /- --initial-cluster=/) { sub(/--initial-cluster=.*/, "--initial-cluster=" ic); print; if (st == 0) { i = $0; sub(/-.*/, "", i); print i "- --initial-cluster-state=existing" }; next } else if ($0 ~ /- --initial-cluster-state=/) sub(/--initial-cluster-state=.*/, "--initial-cluster-state=existing"); print }' "$stash/etcd.yaml.orig" > "$m/.etcd.yaml.kubedr-tmp"`,
        'if [ -e "$m/etcd.yaml" ] && cmp -s "$m/.etcd.yaml.kubedr-tmp" "$m/etcd.yaml"; then rm -f -- "$m/.etcd.yaml.kubedr-tmp"; else mv -f -- "$m/.etcd.yaml.kubedr-tmp" "$m/etcd.yaml"; fi',
        'echo "etcd.yaml: --initial-cluster=$ic --initial-cluster-state=existing"',
        'i=0',
        'while :; do',
        '  line=$(mine)',
        String.raw`  state=$(printf '%s' "$line" | awk -F', ' '{ print $2 }'); learn=$(printf '%s' "$line" | awk -F', ' '{ print $6 }')`,
        '  if [ "$state" = started ] && [ "$learn" = true ]; then',
        '    if e member promote "$(printf \'%s\' "$line" | cut -d, -f1)" >/dev/null 2>&1; then echo "learner $me promoted"; fi',
        '  elif [ "$state" = started ] && ctl --endpoints="$url" --command-timeout=5s endpoint health >/dev/null 2>&1; then break; fi',
        '  i=$((i + 1)); [ $i -lt 600 ] || { echo "$me did not become a healthy voting member: ${line:-not in the member list}" >&2; exit 1; }',
        '  sleep 1',
        'done',
        String.raw`echo "$me is a healthy voting member; members: $(e member list | awk -F', ' '{ print $3 }' | paste -sd, -)"`,
      ),
      sudo: true,
    },
    undo: {
      kind: 'shell',
      script: script(
        'set -e',
        `stash=${word(a.stash)}; stage=${word(a.stage)}`,
        'm={{ node.paths.manifestDir }}; data={{ node.paths.etcdDataDir }}; old="$data.kubedr-before-"{{ run.id }}',
        'if [ -e "$stash/etcd.yaml.orig" ]; then',
        '  if [ -e "$m/etcd.yaml" ]; then mv -- "$m/etcd.yaml" "$stage/etcd.yaml.joined.undone.$(date +%s)"; fi',
        `  ${WAIT_ETCD_EXITED}`,
        '  mv -- "$stash/etcd.yaml.orig" "$stash/etcd.yaml"',
        'fi',
        'if [ -e "$stage/data-moved" ]; then',
        '  if [ -e "$data" ]; then mv -- "$data" "$stage/joined-data.undone.$(date +%s)"; fi',
        '  if [ -e "$old" ]; then mv -- "$old" "$data"; fi',
        '  rm -f -- "$stage/data-moved"',
        'fi',
      ),
      sudo: true,
    },
    check: { kind: 'shell', script: script('for c in etcdctl awk cmp crictl; do command -v $c >/dev/null || { echo "$c is not installed" >&2; exit 1; }; done', 'data={{ node.paths.etcdDataDir }}; test -d "$(dirname "$data")" && test -w "$(dirname "$data")" || { echo "cannot move $data aside: its parent is not a writable dir" >&2; exit 1; }'), sudo: true },
    idempotent: true,
    timeoutMs: 900_000,
  }),
};
