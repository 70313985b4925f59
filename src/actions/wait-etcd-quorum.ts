// waitEtcdQuorum: poll until every endpoint is healthy and `member list` holds exactly the
// expected members (name=peerURL, started, none a learner). Asked with etcdctl over the
// inventory's TLS flags. Read-only and idempotent: resume re-runs it without --rerun. Before
// the run the cluster may be broken (that is why one restores): the rehearsal checks etcdctl
// and the client certificates only.
import { ETCDCTL_CHECK, etcdctlFn } from './etcd-shell.js';
import { DURATION, durationMs, script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface WaitEtcdQuorumArgs {
  /** @default '{{ cluster.etcdEndpoints }}' */
  endpoints?: TemplateArg;
  /** @default '{{ cluster.initialCluster }}' */
  members?: TemplateArg;
  timeout?: string | number;
}

/** Prints the started members as sorted `name=peerURL,…` (`$want` likewise) for `ectl`. */
export const MEMBERS_GOT_WANT = [
  'got=$(ectl member list | awk -F\', \' \'$2 == "started" && $6 == "false" {print $3 "=" $4}\' | sort | paste -sd, -)',
  'want=$(printf \'%s\\n\' "$members" | tr , \'\\n\' | sort | paste -sd, -)',
].join('\n');

export const waitEtcdQuorum: DrAction<WaitEtcdQuorumArgs> = {
  name: 'waitEtcdQuorum',
  summary: 'wait until every etcd member is started and healthy and the member list is exactly the inventory\'s',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoints: { type: 'string', description: 'Client URLs to ask. Default {{ cluster.etcdEndpoints }}.' },
      members: { type: 'string', description: 'Expected name=peerURL,… Default {{ cluster.initialCluster }}.' },
      timeout: { ...DURATION, description: 'Default 5m.' },
    },
  },
  expand: (a) => {
    const timeoutMs = durationMs(a.timeout, 300_000);
    return {
      action: {
        kind: 'wait',
        sudo: true,
        command: script(
          etcdctlFn(a.endpoints),
          `members=${word(a.members ?? '{{ cluster.initialCluster }}')}`,
          'ectl endpoint health >/dev/null 2>&1 || exit 1',
          MEMBERS_GOT_WANT,
          '[ "$got" = "$want" ] || { echo "members: $got"; exit 1; }',
          'echo "quorum: $got"',
        ),
        match: '^quorum: ',
        timeoutMs,
        // Every poll is one SSH command: 250 ms keeps the downtime close to when quorum is there.
        intervalMs: 250,
      },
      check: { kind: 'shell', sudo: true, script: ETCDCTL_CHECK },
      idempotent: true,
      timeoutMs: 60_000,
    };
  },
};
