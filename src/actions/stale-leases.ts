// staleLeases: after a restore, endpoint state from before it can name apiservers that no longer
// exist: master leases (/registry/masterleases/<ip>, the endpoint reconciler's) and apiserver
// identity leases (/registry/leases/kube-system/apiserver-<hash>, labelled with the apiserver's
// host name). kops documents deleting stale master leases by hand; this moves each one whose
// holder is not a current control-plane address or host aside: its value saved in the stage
// dir, then deleted from etcd. Undo puts every saved value back. Run on one etcd member.
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface StaleLeasesArgs {
  /** Comma-separated addresses of the current apiservers. @default the etcd members' addresses (stacked control plane) */
  addresses?: TemplateArg;
  /** Where the values moved aside are kept, e.g. '{{ params.stageDir }}/{{ run.id }}/stale-leases'. */
  keep: TemplateArg;
}

const E = 'e() { ETCDCTL_API=3 etcdctl {{ etcd.tlsFlags }} --endpoints={{ cluster.etcdEndpoints }} --command-timeout=15s "$@"; }';

export const staleLeases: DrAction<StaleLeasesArgs> = {
  name: 'staleLeases',
  summary: 'move aside master leases and apiserver identity leases whose holder is not a current control-plane node',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['keep'],
    properties: {
      addresses: { type: 'string', description: "Comma-separated addresses of the current apiservers. Default: the etcd members' addresses." },
      keep: { type: 'string', description: 'Dir on the node where the values moved aside are kept.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      script: script(
        'set -e',
        E,
        `keep=${word(a.keep)}; addrs=${word(a.addresses ?? '')}`,
        'eps={{ cluster.etcdEndpoints }}; ic={{ cluster.initialCluster }}',
        String.raw`if [ -z "$addrs" ]; then addrs=$(printf '%s' "$eps" | tr , '\n' | sed -e 's#^[a-z]*://##' -e 's#:[0-9]*$##' | paste -sd, -); fi`,
        '# Current holders: the addresses, their host names and the members\' names.',
        String.raw`hosts=$(printf '%s' "$addrs" | tr , '\n' | while read -r x; do getent hosts "$x" 2>/dev/null | awk '{ print $2 }' || true; done)`,
        String.raw`current=$(printf '%s\n%s\n%s\n' "$(printf '%s' "$addrs" | tr , '\n')" "$hosts" "$(printf '%s' "$ic" | tr , '\n' | cut -d= -f1)" | grep -v '^$' | sort -u)`,
        'mkdir -p -m 0700 "$keep"',
        'n=0',
        String.raw`aside() { f="$keep/$(printf '%s' "$1" | tr / _)"; [ -e "$f" ] || e get "$1" --print-value-only > "$f"; printf '%s\n' "$1" > "$f.key"; e del "$1" >/dev/null; n=$((n + 1)); echo "moved aside $1: $2"; }`,
        'for k in $(e get /registry/masterleases/ --prefix --keys-only); do',
        String.raw`  printf '%s\n' "$current" | grep -qxF -- "$` + '{k#/registry/masterleases/}" && continue',
        '  aside "$k" "no current apiserver has that address"',
        'done',
        'for k in $(e get /registry/leases/kube-system/apiserver- --prefix --keys-only); do',
        String.raw`  e get "$k" --print-value-only | tr -c '[:alnum:]._:-' '\n' | grep -qxF -- "$current" && continue`,
        '  aside "$k" "its holder is not a current control-plane node"',
        'done',
        'echo "$n stale lease(s) moved aside to $keep"',
      ),
      sudo: true,
    },
    undo: {
      kind: 'shell',
      script: script(
        'set -e',
        E,
        `keep=${word(a.keep)}`,
        '[ -d "$keep" ] || exit 0',
        'for kf in "$keep"/*.key; do',
        '  [ -e "$kf" ] || continue',
        '  k=$(cat "$kf")',
        '  e put "$k" < "${kf%.key}" >/dev/null',
        '  mv -- "$kf" "$kf.restored"',
        '  echo "put back $k"',
        'done',
      ),
      sudo: true,
    },
    check: { kind: 'shell', script: 'command -v etcdctl >/dev/null || { echo "etcdctl is not installed" >&2; exit 1; }', sudo: false },
    idempotent: true,
  }),
};
