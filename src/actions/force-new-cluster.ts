// forceNewCluster: on the survivor only (every other member must be stopped first: a forced
// cluster splits or panics when old members come back), its data dir copied aside, etcd started
// once from a copy of its stopped manifest with --force-new-cluster (and
// --force-new-cluster-bump-amount where etcd has it), then — once it is a healthy one-member
// cluster — its own manifest (without the flag) put back and waited for. Undo: etcd stopped, the
// data dir from before the run back (the forced one kept aside). Re-runnable: marker files in
// the stage dir say how far it got.
import { CTL, ONLY_WANT, WAIT_ETCD_EXITED } from './member-shell.js';
import { creatable, script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface ForceNewClusterArgs {
  /** Member name of the survivor, e.g. '{{ steps.choose-survivor.stdout }}'. */
  survivor: TemplateArg;
  /** The run's stash holding the stopped etcd.yaml, e.g. '{{ params.stashDir }}/{{ run.id }}'. */
  stash: TemplateArg;
  /** The run's staging dir on the node (data dir copy, markers). */
  stage: TemplateArg;
  /** Revision bump where etcd has --force-new-cluster-bump-amount. @default 1000000000 */
  bumpRevision?: TemplateArg | number;
}

// The flag is assembled at run time: the script's own command line (seen by `ps`) never holds it.
const FLAG = 'f=--force-new-clus; f=${f}ter';
const FORCED_RUNS = "ps -eo args | grep -q -- '--force-new-cluste[r]'";

export const forceNewCluster: DrAction<ForceNewClusterArgs> = {
  name: 'forceNewCluster',
  summary: 'on the survivor: start etcd once with --force-new-cluster, then again from its own manifest',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['survivor', 'stash', 'stage'],
    properties: {
      survivor: { type: 'string', description: 'Member name of the survivor (e.g. {{ steps.choose-survivor.stdout }}).' },
      stash: { type: 'string', description: "Dir holding the survivor's stopped etcd.yaml." },
      stage: { type: 'string', description: "The run's staging dir on the node." },
      bumpRevision: { type: ['string', 'integer'], description: 'Revision bump where etcd supports it. Default 1000000000.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      script: script(
        'set -e',
        `want=${word(a.survivor)}`,
        ONLY_WANT,
        CTL,
        FLAG,
        `stash=${word(a.stash)}; stage=${word(a.stage)}; bump=${word(String(a.bumpRevision ?? 1_000_000_000))}`,
        'm={{ node.paths.manifestDir }}; data={{ node.paths.etcdDataDir }}; url={{ node.etcd.clientURL }}',
        'mkdir -p -m 0700 "$stage"',
        'if [ ! -e "$stage/survivor-data" ]; then',
        '  if [ -e "$stage/survivor-data.partial" ]; then mv -- "$stage/survivor-data.partial" "$stage/survivor-data.partial.$(date +%s)"; fi',
        '  cp -a -- "$data" "$stage/survivor-data.partial"',
        '  mv -- "$stage/survivor-data.partial" "$stage/survivor-data"',
        '  echo "$data copied to $stage/survivor-data"',
        'fi',
        'if [ ! -e "$stage/forced" ]; then',
        '  [ -e "$stash/etcd.yaml" ] || { echo "$stash/etcd.yaml is missing: etcd must be stopped into the stash first" >&2; exit 1; }',
        '  x=""',
        '  if etcd --help 2>&1 | grep -q -- "$f-bump-amount"; then x="$f-bump-amount=$bump"; else echo "$(etcd --version | head -n 1): no $f-bump-amount, the revision is not bumped"; fi',
        String.raw`  awk -v f="$f" -v x="$x" '!done && /^[ \t]*- --[a-z]/ { i = $0; sub(/-.*/, "", i); print i "- " f; if (x != "") print i "- " x; done = 1 } { print }' "$stash/etcd.yaml" > "$stage/etcd-force.yaml"`,
        '  grep -q -- "- $f\\$" "$stage/etcd-force.yaml" || { echo "no flag list in $stash/etcd.yaml" >&2; exit 1; }',
        '  cp -p -- "$stage/etcd-force.yaml" "$m/.etcd.yaml.kubedr-tmp"; mv -f -- "$m/.etcd.yaml.kubedr-tmp" "$m/etcd.yaml"',
        '  : > "$stage/forced"',
        '  echo "etcd started with $f $x"',
        'fi',
        'if [ ! -e "$stage/unforced" ]; then',
        '  i=0',
        '  until ctl --endpoints="$url" endpoint health >/dev/null 2>&1 && [ "$(ctl --endpoints="$url" member list | wc -l)" -eq 1 ]; do i=$((i+1)); [ $i -lt 300 ] || { echo "the forced etcd did not become a healthy one-member cluster" >&2; exit 1; }; sleep 1; done',
        '  echo "forced: $(ctl --endpoints="$url" member list)"',
        '  mv -f -- "$stash/etcd.yaml" "$m/etcd.yaml"',
        '  : > "$stage/unforced"',
        'fi',
        'i=0',
        `while ${FORCED_RUNS} || ! ctl --endpoints="$url" endpoint health >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 300 ] || { echo "etcd did not come back from its own manifest" >&2; exit 1; }; sleep 1; done`,
        'echo "survivor $want: a healthy one-member cluster, running its own manifest"',
      ),
      sudo: true,
    },
    undo: {
      kind: 'shell',
      script: script(
        'set -e',
        `stash=${word(a.stash)}; stage=${word(a.stage)}`,
        'm={{ node.paths.manifestDir }}; data={{ node.paths.etcdDataDir }}',
        '[ -e "$stage/forced" ] || [ -e "$stage/survivor-data" ] || exit 0',
        'if [ -e "$m/etcd.yaml" ]; then if [ -e "$stash/etcd.yaml" ]; then mv -- "$m/etcd.yaml" "$stage/etcd-force.yaml.undone.$(date +%s)"; else mv -- "$m/etcd.yaml" "$stash/etcd.yaml"; fi; fi',
        WAIT_ETCD_EXITED,
        'if [ -d "$stage/survivor-data" ]; then',
        '  if [ -e "$data" ]; then mv -- "$data" "$stage/forced-data.undone.$(date +%s)"; fi',
        '  mv -- "$stage/survivor-data" "$data"',
        '  echo "$data is the survivor\'s data dir from before the run again"',
        'fi',
        'rm -f -- "$stage/forced" "$stage/unforced"',
      ),
      sudo: true,
    },
    check: { kind: 'shell', script: script(`stage=${word(a.stage)}`, 'for c in etcd etcdctl awk ps crictl; do command -v $c >/dev/null || { echo "$c is not installed" >&2; exit 1; }; done', creatable('stage', 'the staging dir')), sudo: true },
    idempotent: true,
    timeoutMs: 1_800_000,
  }),
};
