// stopStaticPods: each pod's manifest moved from the manifests dir (or a dir the operator moved
// it to by hand, `searchPath`) into the run's stash, its origin recorded; then wait until the
// runtime shows none of the pods. A pod whose manifest is already stashed or absent everywhere
// is already stopped, not an error. Idempotent; undo moves each manifest back to its origin.
import { creatable, DURATION, script, word } from './shell.js';
import { CRICTL_CHECK, dirs, staticPodsProperties, waitPods, podsAndWait, type StaticPodsArgs } from './static-pods.js';
import type { DrAction, TemplateArg } from './types.js';

export interface StopStaticPodsArgs extends StaticPodsArgs {
  /** Colon-separated node dirs where manifests may have been moved by hand. @default '' */
  searchPath?: TemplateArg;
}

const DEFAULT_PODS = ['kube-apiserver', 'etcd'];

export const stopStaticPods: DrAction<StopStaticPodsArgs> = {
  name: 'stopStaticPods',
  summary: 'move static-pod manifests to the run\'s stash and wait until the runtime shows the pods gone',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...staticPodsProperties(DEFAULT_PODS),
      searchPath: { type: 'string', description: 'Colon-separated node dirs where a manifest may already have been moved by hand (looked in after the manifests dir). Default none.' },
      timeout: { ...DURATION, description: 'How long to wait for the pods to exit. Default 3m.' },
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
          `${dirs(a)}; search=${word(a.searchPath ?? '')}`,
          'mkdir -p -- "$stash"',
          `for p in ${pods.join(' ')}; do`,
          '  if [ -e "$stash/$p.yaml" ]; then echo "$p: already stashed"; continue; fi',
          '  found=""; dirs=$m:$search; old_ifs=$IFS; IFS=:',
          '  for d in $dirs; do if [ -z "$found" ] && [ -n "$d" ] && [ -e "$d/$p.yaml" ]; then found=$d; fi; done',
          '  IFS=$old_ifs',
          '  if [ -z "$found" ]; then echo "$p: no manifest here (already stopped)"; continue; fi',
          '  printf \'%s\\n\' "$found" > "$stash/$p.yaml.from"',
          '  mv -- "$found/$p.yaml" "$stash/$p.yaml"',
          '  echo "$p: manifest moved from $found to $stash"',
          'done',
          waitPods(pods, 'gone', waitSec),
          `echo "stopped: ${pods.join(' ')}"`,
        ),
      },
      undo: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          dirs(a),
          `for p in ${pods.join(' ')}; do`,
          // A manifest placeManifest created (backup, rebuilt) is its undo's to set aside: it was never in the manifests dir.
          '  if [ -e "$stash/$p.yaml" ] && [ ! -e "$stash/$p.yaml.created" ]; then d=$m; if [ -e "$stash/$p.yaml.from" ]; then d=$(cat "$stash/$p.yaml.from"); fi; mv -- "$stash/$p.yaml" "$d/$p.yaml"; echo "$p: manifest back in $d"; fi',
          '  rm -f -- "$stash/$p.yaml.from"',
          'done',
          'rmdir -- "$stash" "$(dirname "$stash")" 2>/dev/null || true',
        ),
      },
      check: {
        kind: 'shell',
        sudo: true,
        script: script(
          CRICTL_CHECK,
          `${dirs(a)}`,
          'test -d "$m" && test -w "$m" || { echo "$m is not a writable dir" >&2; exit 1; }',
          creatable('stash', 'the manifest stash'),
        ),
      },
      idempotent: true,
      timeoutMs: (waitSec + 60) * 1000,
    };
  },
};
