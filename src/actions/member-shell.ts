// Shell shared by the membership actions (memberStatus, chooseSurvivor, forceNewCluster,
// memberAdd, memberRemove, checkMemberRemoval): the inventory's members as `name#clientURL`
// lines, etcdctl with the inventory's TLS, and the "is this the node?" guard. Templates stand
// only as bare words; every value reaches the rest of the script through a shell variable.

/** `ctl ARGS…`: etcdctl v3 with the inventory's client TLS and short timeouts; add --endpoints. */
export const CTL = 'ctl() { ETCDCTL_API=3 etcdctl {{ etcd.tlsFlags }} --dial-timeout=3s --command-timeout=15s "$@"; }';

/** `members` prints one `name#clientURL` per inventory member (initialCluster and etcdEndpoints share their order). */
export const MEMBERS = String.raw`members() { awk -v ic={{ cluster.initialCluster }} -v ep={{ cluster.etcdEndpoints }} 'BEGIN { n = split(ic, m, ","); split(ep, e, ","); for (i = 1; i <= n; i++) { k = index(m[i], "="); print substr(m[i], 1, k - 1) "#" e[i] } }'; }`;

/** Field of `endpoint status -w json` (revision, raftIndex) from $st. */
export const STATUS_FIELD = String.raw`field() { printf '%s' "$st" | tr ',{}' '\n\n\n' | sed -n "s/^\"$1\":\([0-9][0-9]*\)\$/\1/p" | head -n 1; }`;

/** Exits 0 (nothing to do here) unless this node's member is `$want`. */
export const ONLY_WANT = '[ {{ node.etcd.name }} = "$want" ] || { echo "not member $want: nothing to do here"; exit 0; }';

/** Exits 0 on the node whose member is `$skip`. */
export const EXCEPT_SKIP = '[ {{ node.etcd.name }} != "$skip" ] || { echo "member $skip: nothing to do here"; exit 0; }';

/** Waits until no etcd container runs on the node (crictl), up to 5 minutes. */
export const WAIT_ETCD_EXITED = 'i=0; while [ -n "$(crictl ps --name \'^etcd$\' -q)" ]; do i=$((i+1)); [ $i -lt 300 ] || { echo "etcd did not stop" >&2; exit 1; }; sleep 1; done';
