// saveSnapshot: `etcdctl snapshot save` over the inventory's TLS from the first healthy client
// URL, into the node's backup staging dir (snapshot.db, 0600, written under .part and renamed),
// then `snapshot status` with the inventory's etcd.tool (kept as snapshot-status.json for
// snapshotFacts: one pass over the file, not two) and snapshot.db.sha256 (openssl first, as in
// the transfers; computed while status reads the file, so a multi-GiB snapshot is read side by
// side from the page cache instead of one pass after the other). The endpoint's
// status is recorded BEFORE the save (the raft index the snapshot holds is at least that one)
// for snapshotFacts. Idempotent: a snapshot already saved by this run is kept, not taken again.
import { SHA256_OF_F, STATUS_FILE } from './check-snapshot.js';
import { backupStage, commandsCheck, moveAsideFiles, STAGE_DIR_SCHEMA } from './backup-paths.js';
import { ETCDCTL_CHECK, resolveTool, SNAP_TOOL_FN, toolCheck } from './etcd-shell.js';
import { creatable, script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface SaveSnapshotArgs {
  /** @default '/var/lib/kubedr/backups' */
  stageDir?: TemplateArg;
  /** Comma-separated client URLs, tried in order. @default '{{ cluster.etcdEndpoints }}' */
  endpoints?: TemplateArg;
  /** @default '{{ etcd.tool }}' */
  tool?: TemplateArg;
}

/** Files saveSnapshot leaves in the staging dir. */
export const SAVED = ['snapshot.db', 'snapshot.db.sha256', STATUS_FILE, 'endpoint', 'endpoint-status.json'] as const;

export const saveSnapshot: DrAction<SaveSnapshotArgs> = {
  name: 'saveSnapshot',
  summary: 'etcdctl snapshot save from the first healthy member into the node\'s backup staging dir, with its status and sha256',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stageDir: STAGE_DIR_SCHEMA,
      endpoints: { type: 'string', minLength: 1, description: 'Comma-separated client URLs, tried in order. Default {{ cluster.etcdEndpoints }}.' },
      tool: { type: 'string', description: 'auto, etcdutl or etcdctl, for snapshot status. Default {{ etcd.tool }}.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      sudo: true,
      script: script(
        'set -e',
        `stage=${backupStage(a.stageDir)}; eps=${word(a.endpoints ?? '{{ cluster.etcdEndpoints }}')}`,
        'mkdir -p -m 0700 -- "$stage"',
        'if [ -e "$stage/snapshot.db" ]; then echo "snapshot already saved by this run: $stage/snapshot.db"; else',
        '  ep=""',
        '  for e in $(printf \'%s\' "$eps" | tr , \' \'); do',
        '    if [ -z "$ep" ] && ETCDCTL_API=3 etcdctl {{ etcd.tlsFlags }} --endpoints="$e" endpoint health >/dev/null 2>&1; then ep=$e; fi',
        '  done',
        '  [ -n "$ep" ] || { echo "no healthy etcd endpoint among $eps" >&2; exit 1; }',
        '  ctl() { ETCDCTL_API=3 etcdctl {{ etcd.tlsFlags }} --endpoints="$ep" "$@"; }',
        '  # Read before the snapshot: the raft index the snapshot holds is at least this.',
        '  ctl endpoint status -w json > "$stage/endpoint-status.json"; printf \'%s\\n\' "$ep" > "$stage/endpoint"',
        '  ctl snapshot save "$stage/snapshot.db.part" >/dev/null',
        '  chmod 600 "$stage/snapshot.db.part"; mv -- "$stage/snapshot.db.part" "$stage/snapshot.db"',
        '  echo "snapshot saved from $ep"',
        'fi',
        resolveTool(a.tool),
        SNAP_TOOL_FN,
        'f="$stage/snapshot.db"',
        // The hash in the background while status reads the same file; `wait` fails the step with it.
        `( ${SHA256_OF_F}; printf '%s  snapshot.db\\n' "$s" > "$stage/snapshot.db.sha256.part" ) & hashing=$!`,
        `snap_tool --write-out=json snapshot status "$f" > "$stage/${STATUS_FILE}.part"`,
        'wait "$hashing"',
        `mv -- "$stage/${STATUS_FILE}.part" "$stage/${STATUS_FILE}"; mv -- "$stage/snapshot.db.sha256.part" "$stage/snapshot.db.sha256"`,
        `echo "snapshot status $(cat "$stage/${STATUS_FILE}")"`,
        'echo "sha256 $(cut -d\' \' -f1 "$stage/snapshot.db.sha256")"',
      ),
    },
    undo: { kind: 'shell', sudo: true, script: script(`d=${backupStage(a.stageDir)}`, moveAsideFiles(SAVED)) },
    check: { kind: 'shell', sudo: true, script: script(ETCDCTL_CHECK, commandsCheck(['sha256sum', 'tr']), toolCheck(a.tool), `s=${backupStage(a.stageDir)}`, creatable('s', 'the staging dir')) },
    idempotent: true,
    timeoutMs: 1_800_000,
  }),
};

