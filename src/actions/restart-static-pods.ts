// restartStaticPods: the pods stopped (manifests to the run's stash, wait until gone) and started
// again (manifests back, wait until running), so that no component keeps a cache of the cluster
// from before the restore. All the node's listed pods at once (they do not depend on each other:
// one wait for the kubelet instead of one per pod). Idempotent: a manifest found in the stash is put
// back; undo only puts back a manifest an interrupted restart left in the stash.
import { DURATION, script } from './shell.js';
import { CRICTL_CHECK, dirs, staticPodsProperties, waitPods, podsAndWait, type StaticPodsArgs } from './static-pods.js';
import type { DrAction } from './types.js';

export type RestartStaticPodsArgs = StaticPodsArgs;

const DEFAULT_PODS = ['kube-controller-manager', 'kube-scheduler'];

export const restartStaticPods: DrAction<RestartStaticPodsArgs> = {
  name: 'restartStaticPods',
  summary: 'restart static pods: manifests to the stash, wait until gone, back, wait until running',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...staticPodsProperties(DEFAULT_PODS),
      timeout: { ...DURATION, description: 'How long to wait for each stop and each start. Default 2m.' },
    },
  },
  expand: (a) => {
    const { pods, waitSec } = podsAndWait(a, DEFAULT_PODS, 120_000);
    return {
      action: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          dirs(a),
          'mkdir -p -- "$stash"',
          'restart=""',
          `for p in ${pods.join(' ')}; do`,
          '  if [ -e "$m/$p.yaml" ] && [ ! -e "$stash/$p.yaml" ]; then mv -- "$m/$p.yaml" "$stash/$p.yaml"; fi',
          '  if [ -e "$stash/$p.yaml" ]; then restart="$restart $p"; else echo "$p: no manifest in $m: not restarted"; fi',
          'done',
          'for p in $restart; do',
          waitPods(['$p'], 'gone', waitSec).replaceAll("'^($p)$'", '"^$p\\$"').replace(/^/gm, '  '),
          'done',
          'for p in $restart; do mv -- "$stash/$p.yaml" "$m/$p.yaml"; done',
          'for p in $restart; do',
          waitPods(['$p'], 'running', waitSec).replace(/^/gm, '  '),
          '  echo "$p restarted"',
          'done',
        ),
      },
      undo: {
        kind: 'shell',
        sudo: true,
        script: script(dirs(a), `for p in ${pods.join(' ')}; do if [ -e "$stash/$p.yaml" ] && [ ! -e "$m/$p.yaml" ]; then mv -- "$stash/$p.yaml" "$m/$p.yaml"; fi; done`),
      },
      check: { kind: 'shell', sudo: true, script: script(CRICTL_CHECK, dirs(a), 'test -d "$m" && test -w "$m" || { echo "$m is not a writable dir" >&2; exit 1; }') },
      idempotent: true,
      timeoutMs: (2 * waitSec * pods.length + 60) * 1000,
    };
  },
};
