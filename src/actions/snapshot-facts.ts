// snapshotFacts: the backup's cluster.json, written on the node that saved the snapshot: the
// member list as etcd reports it (name, peer and client URL: member names need not be node
// names), etcd version and raft index from the endpoint status saveSnapshot recorded before the
// save, revision and key count from the `snapshot status` saveSnapshot kept (etcd.tool), the snapshot's sha256, when
// and where it was taken. Idempotent: a cluster.json of this run is kept as written.
import { backupStage, commandsCheck, moveAsideFiles, STAGE_DIR_SCHEMA } from './backup-paths.js';
import { ETCDCTL_CHECK, resolveTool, SNAP_TOOL_FN, toolCheck } from './etcd-shell.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface SnapshotFactsArgs {
  stageDir?: TemplateArg;
  /** @default '{{ etcd.tool }}' */
  tool?: TemplateArg;
  /** Cluster name written into cluster.json. @default '{{ cluster.name }}' */
  cluster?: TemplateArg;
}

/** `field JSON KEY`: the first value of "KEY" in one-line JSON (no jq on a minimal node). */
const FIELD_FN = 'field() { printf \'%s\' "$1" | tr \',{}[]\' \'\\n\\n\\n\\n\\n\' | sed -n "s/^\\"$2\\":\\"*\\([^\\"]*\\)\\"*\\$/\\1/p" | head -n 1; }';

export const snapshotFacts: DrAction<SnapshotFactsArgs> = {
  name: 'snapshotFacts',
  summary: 'write cluster.json next to the saved snapshot: members (name, URLs), etcd version, revision, raft index, keys, sha256',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stageDir: { ...STAGE_DIR_SCHEMA, description: 'As given to saveSnapshot.' },
      tool: { type: 'string', description: 'auto, etcdutl or etcdctl, for snapshot status. Default {{ etcd.tool }}.' },
      cluster: { type: 'string', minLength: 1, description: 'Cluster name in cluster.json. Default {{ cluster.name }}.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      sudo: true,
      script: script(
        'set -e',
        `stage=${backupStage(a.stageDir)}; cluster=${word(a.cluster ?? '{{ cluster.name }}')}; node={{ node.name }}`,
        'if [ -e "$stage/cluster.json" ]; then cat "$stage/cluster.json"; exit 0; fi',
        'for f in snapshot.db snapshot.db.sha256 endpoint endpoint-status.json; do',
        '  [ -e "$stage/$f" ] || { echo "no $stage/$f: saveSnapshot runs first, on this node" >&2; exit 1; }',
        'done',
        'ep=$(cat "$stage/endpoint"); ep_status=$(cat "$stage/endpoint-status.json"); sum=$(cat "$stage/snapshot.db.sha256"); sum=${sum%% *}',
        'ctl() { ETCDCTL_API=3 etcdctl {{ etcd.tlsFlags }} --endpoints="$ep" "$@"; }',
        FIELD_FN,
        resolveTool(a.tool),
        SNAP_TOOL_FN,
        // saveSnapshot kept its status of the file; a stage from an older kubedr has none.
        'if [ -e "$stage/snapshot-status.json" ]; then status=$(cat "$stage/snapshot-status.json"); else status=$(snap_tool --write-out=json snapshot status "$stage/snapshot.db"); fi',
        'members=$(ctl member list | awk -F\', \' \'{printf "%s{\\"name\\":\\"%s\\",\\"peerURL\\":\\"%s\\",\\"clientURL\\":\\"%s\\"}", (n++ ? "," : ""), $3, $4, $5}\')',
        '[ -n "$members" ] || { echo "etcd at $ep listed no members" >&2; exit 1; }',
        'printf \'{"cluster":"%s","members":[%s],"etcdVersion":"%s","revision":%s,"raftIndex":%s,"totalKeys":%s,"totalSize":%s,"sha256":"%s","takenAt":"%s","takenFrom":"%s","endpoint":"%s"}\\n\' \\',
        '  "$cluster" "$members" "$(field "$ep_status" version)" "$(field "$status" revision)" "$(field "$ep_status" raftIndex)" "$(field "$status" totalKey)" "$(field "$status" totalSize)" "$sum" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$node" "$ep" > "$stage/cluster.json.part"',
        'mv -- "$stage/cluster.json.part" "$stage/cluster.json"',
        'cat "$stage/cluster.json"',
      ),
    },
    undo: { kind: 'shell', sudo: true, script: script(`d=${backupStage(a.stageDir)}`, moveAsideFiles(['cluster.json'])) },
    check: { kind: 'shell', sudo: true, script: script(ETCDCTL_CHECK, commandsCheck(['awk', 'sed', 'tr', 'date']), toolCheck(a.tool)) },
    idempotent: true,
  }),
};
