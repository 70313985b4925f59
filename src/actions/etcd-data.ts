// recordEtcdData and verifyEtcd: the restored cluster's revision and key count, read once etcd
// has quorum and while the apiservers are still down (they must not be below the snapshot's: its
// revision from the status snapshotStatus kept before the stop, else from the staged snapshot),
// then compared again at the end (health, exact member list, nothing lost since). Both only
// read: idempotent; before the run the rehearsal checks etcdctl and the client certificates.
import { ETCDCTL_CHECK, etcdctlFn, jsonInt, resolveTool, SNAP_TOOL_FN } from './etcd-shell.js';
import { script, word } from './shell.js';
import { DEFAULT_STAGE } from './stage-snapshot.js';
import { STATUS_FILE } from './check-snapshot.js';
import type { DrAction, TemplateArg } from './types.js';
import { MEMBERS_GOT_WANT } from './wait-etcd-quorum.js';

export interface RecordEtcdDataArgs {
  stageDir?: TemplateArg;
  tool?: TemplateArg;
}

const ONE = etcdctlFn('{{ node.etcd.clientURL }}', 'one');
const REV_KEYS = ['rev=$(one endpoint status -w json | ' + jsonInt('revision') + ')', 'keys=$(one get "" --prefix --keys-only --limit 1 -w json | ' + jsonInt('count') + ')'].join('\n');

export const recordEtcdData: DrAction<RecordEtcdDataArgs> = {
  name: 'recordEtcdData',
  summary: 'capture "<revision> <keys>" of the restored cluster; fails if the revision is below the snapshot\'s',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stageDir: { type: 'string', description: `Where the staged snapshot is (for its revision). Default ${DEFAULT_STAGE}.` },
      tool: { type: 'string', description: 'auto, etcdutl or etcdctl (reads the snapshot). Default {{ etcd.tool }}.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'capture',
      secret: false,
      sudo: true,
      command: script(
        ONE,
        `snap=${word(a.stageDir ?? DEFAULT_STAGE)}/{{ run.id }}/snapshot.db`,
        resolveTool(a.tool),
        SNAP_TOOL_FN,
        // snapshotStatus kept the staged snapshot's status before the stop: not read again now.
        `st="\${snap%/*}/${STATUS_FILE}"`,
        `if [ -s "$st" ]; then srev=$(cat -- "$st" | ${jsonInt('revision')}); else srev=$(snap_tool -w json snapshot status "$snap" | ${jsonInt('revision')}); fi`,
        REV_KEYS,
        '[ -n "$srev" ] && [ -n "$rev" ] && [ "$rev" -ge "$srev" ] || { echo "cluster revision ${rev:-?} is below the snapshot\'s ${srev:-?}" >&2; exit 1; }',
        'echo "${rev} ${keys:-0}"',
      ),
    },
    check: { kind: 'shell', sudo: true, script: ETCDCTL_CHECK },
    idempotent: true,
  }),
};

export interface VerifyEtcdArgs {
  /** Id of the recordEtcdData step. */
  recordedFrom: string;
  members?: TemplateArg;
}

export const verifyEtcd: DrAction<VerifyEtcdArgs> = {
  name: 'verifyEtcd',
  summary: 'every member healthy, member list exactly the inventory\'s, revision and key count not below the recorded ones',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['recordedFrom'],
    properties: {
      recordedFrom: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Id of the recordEtcdData step.' },
      members: { type: 'string', description: 'Expected name=peerURL,… Default {{ cluster.initialCluster }}.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      sudo: true,
      script: script(
        'set -e',
        etcdctlFn(),
        ONE,
        `members=${word(a.members ?? '{{ cluster.initialCluster }}')}`,
        'ectl endpoint health',
        'ectl member list -w table',
        MEMBERS_GOT_WANT,
        '[ "$got" = "$want" ] || { echo "member list $got, expected $want" >&2; exit 1; }',
        `rec={{ steps.${a.recordedFrom}.stdout }}; set -- $rec`,
        REV_KEYS,
        'echo "restored: revision $1, $2 keys; now: revision $rev, $keys keys"',
        '[ "$rev" -ge "$1" ] && [ "$keys" -ge "$2" ] || { echo "the cluster lost data since the restore" >&2; exit 1; }',
      ),
    },
    check: { kind: 'shell', sudo: true, script: ETCDCTL_CHECK },
    idempotent: true,
  }),
};
