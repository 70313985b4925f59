// waitStaticPodsCurrent: after a manifest edit the kubelet restarts the pod, but only when it
// next looks at its static-pod dir (every 20 s by default). A wait for quorum right after the
// edit passes on the old processes just before they stop. This waits, per node, until the
// runtime runs each pod in a container created after its manifest last changed. The manifest
// edit writes only when the content changes, so a resumed run finds the mtime of the last real
// change and passes at once. Idempotent; it changes nothing, but the rehearsal runs only its
// check (crictl, the manifests dir): before the run a lost member has no manifest to wait on.
import { DURATION, script } from './shell.js';
import { CRICTL_CHECK, dirs, staticPodsProperties, podsAndWait, type StaticPodsArgs } from './static-pods.js';
import type { DrAction } from './types.js';

export type WaitStaticPodsCurrentArgs = Omit<StaticPodsArgs, 'stashDir'>;

const DEFAULT_PODS = ['etcd'];

/**
 * Newest running container of `$p` (crictl ps -o json: createdAt in ns) against the manifest's
 * mtime in ns (GNU date; whole seconds, rounded up, where %N is not supported).
 */
const CURRENT = [
  'mt=$(date -r "$m/$p.yaml" +%s%N 2>/dev/null) || mt=""',
  'case $mt in ""|*N) mt=$(( ($(stat -c %Y "$m/$p.yaml") + 1) * 1000000000 ));; esac',
  `ct=$(crictl ps --name "^$p\\$" -o json | tr -d ' \\n' | grep -o '"createdAt":"[0-9]*"' | tr -dc '0-9\\n' | sort -n | tail -n 1)`,
].join('\n');

export const waitStaticPodsCurrent: DrAction<WaitStaticPodsCurrentArgs> = {
  name: 'waitStaticPodsCurrent',
  summary: 'wait until each static pod runs in a container created after its manifest last changed (the kubelet picked up an edit)',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      pods: staticPodsProperties(DEFAULT_PODS).pods,
      manifestDir: staticPodsProperties(DEFAULT_PODS).manifestDir,
      timeout: { ...DURATION, description: 'How long to wait for each pod. Default 3m.' },
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
          dirs({ ...a }),
          `for p in ${pods.join(' ')}; do`,
          '  test -e "$m/$p.yaml" || { echo "$p: no manifest in $m" >&2; exit 1; }',
          `  i=0; while :; do`,
          CURRENT.replace(/^/gm, '    '),
          '    if [ -n "$ct" ] && [ "$ct" -ge "$mt" ]; then break; fi',
          `    i=$((i+1)); [ "$i" -le ${waitSec * 5} ] || { echo "$p: no container started after $m/$p.yaml changed, after ${waitSec}s" >&2; exit 1; }; sleep 0.2`,
          '  done',
          '  echo "$p runs on its current manifest"',
          'done',
        ),
      },
      check: { kind: 'shell', sudo: true, script: script(CRICTL_CHECK, dirs({ ...a }), 'test -d "$m" || { echo "$m is not a dir" >&2; exit 1; }') },
      idempotent: true,
      timeoutMs: (waitSec * pods.length + 60) * 1000,
    };
  },
};
