// startStaticPods: each pod's manifest moved from the run's stash into the manifests dir (the
// kubelet starts it), then wait until the runtime shows every pod running. A manifest already
// in the manifests dir is already started. Idempotent; undo moves the manifests back into the
// stash and waits until the pods have stopped again.
import { DURATION, script } from './shell.js';
import { CRICTL_CHECK, dirs, staticPodsProperties, waitPods, podsAndWait, type StaticPodsArgs } from './static-pods.js';
import type { DrAction } from './types.js';

export type StartStaticPodsArgs = StaticPodsArgs;

const DEFAULT_PODS = ['etcd'];

export const startStaticPods: DrAction<StartStaticPodsArgs> = {
  name: 'startStaticPods',
  summary: 'move static-pod manifests from the run\'s stash back into the manifests dir and wait until the pods run',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...staticPodsProperties(DEFAULT_PODS),
      timeout: { ...DURATION, description: 'How long to wait for the pods to run. Default 3m.' },
    },
  },
  expand: (a) => {
    const { pods, waitSec } = podsAndWait(a, DEFAULT_PODS, 180_000);
    return {
      action: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          dirs(a),
          `for p in ${pods.join(' ')}; do`,
          '  if [ -e "$stash/$p.yaml" ] && [ ! -e "$m/$p.yaml" ]; then mv -- "$stash/$p.yaml" "$m/$p.yaml"; echo "$p: manifest back in $m"; fi',
          '  test -e "$m/$p.yaml" || { echo "$p: no manifest in $m nor in the stash $stash" >&2; exit 1; }',
          'done',
          waitPods(pods, 'running', waitSec),
        ),
      },
      undo: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          dirs(a),
          'mkdir -p -- "$stash"',
          `for p in ${pods.join(' ')}; do`,
          '  if [ ! -e "$stash/$p.yaml" ] && [ -e "$m/$p.yaml" ]; then mv -- "$m/$p.yaml" "$stash/$p.yaml"; echo "$p: manifest back in the stash"; fi',
          'done',
          waitPods(pods, 'gone', waitSec),
        ),
      },
      check: { kind: 'shell', sudo: true, script: script(CRICTL_CHECK, dirs(a), 'test -d "$m" && test -w "$m" || { echo "$m is not a writable dir" >&2; exit 1; }') },
      idempotent: true,
      timeoutMs: (waitSec + 60) * 1000,
    };
  },
};
