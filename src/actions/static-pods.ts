// Static pods stop when their manifest leaves the manifests dir and start when it comes back.
// Stopped manifests wait in a per-run stash OUTSIDE the manifests dir (the kubelet would run a
// copy left inside), with the dir each came from recorded, so an undo puts it back there.
import { durationMs, script, word } from './shell.js';
import type { TemplateArg } from './types.js';

export interface StaticPodsArgs {
  /** Container/manifest names (`<name>.yaml`). */
  pods?: string[];
  /** @default '/etc/kubernetes/kubedr-stash' (the run's stash is `<stashDir>/<run id>`) */
  stashDir?: TemplateArg;
  /** @default '{{ node.paths.manifestDir }}' */
  manifestDir?: TemplateArg;
  /** @default '5m' */
  timeout?: string | number;
}

export const DEFAULT_STASH = '/etc/kubernetes/kubedr-stash';
export const POD_NAME = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' } as const;

export const staticPodsProperties = (defaultPods: string[]) => ({
  pods: { type: 'array', items: POD_NAME, minItems: 1, uniqueItems: true, description: `Static pods (manifest <name>.yaml, container <name>). Default ${defaultPods.join(', ')}.` },
  stashDir: { type: 'string', description: `Dir of the per-run stashes (<stashDir>/<run id>), outside the manifests dir. Default ${DEFAULT_STASH}.` },
  manifestDir: { type: 'string', description: 'The kubelet\'s static-pod dir. Default {{ node.paths.manifestDir }}.' },
});

/** The pods a static-pod action acts on (its defaults unless given) and each wait's bound in seconds. */
export function podsAndWait(a: { pods?: string[]; timeout?: string | number }, defaults: string[], defaultMs: number): { pods: string[]; waitSec: number } {
  return { pods: a.pods ?? defaults, waitSec: Math.ceil(durationMs(a.timeout, defaultMs) / 1000) };
}

/** `m=…; stash=…/<run>` for the scripts below. */
export function dirs(a: StaticPodsArgs): string {
  return `m=${word(a.manifestDir ?? '{{ node.paths.manifestDir }}')}; stash=${word(a.stashDir ?? DEFAULT_STASH)}/{{ run.id }}`;
}

/** crictl's --name regex for exactly these containers. */
export function podRegex(pods: readonly string[]): string {
  return `'^(${pods.join('|')})$'`;
}

/** Polls `crictl ps` (running containers) until none (`gone`) / all (`running`) of the pods show. */
export function waitPods(pods: readonly string[], until: 'gone' | 'running', timeoutSec: number): string {
  const polls = Math.max(1, timeoutSec * 5);
  if (until === 'gone') {
    return script(
      `i=0; while [ -n "$(crictl ps --name ${podRegex(pods)} -q)" ]; do`,
      `  i=$((i+1)); [ "$i" -le ${polls} ] || { echo "still running after ${timeoutSec}s: $(crictl ps --name ${podRegex(pods)} | tail -n +2)" >&2; exit 1; }; sleep 0.2`,
      'done',
    );
  }
  return script(
    `for c in ${pods.join(' ')}; do`,
    `  i=0; while [ -z "$(crictl ps --name "^$c\\$" -q)" ]; do i=$((i+1)); [ "$i" -le ${polls} ] || { echo "$c is not running after ${timeoutSec}s" >&2; exit 1; }; sleep 0.2; done`,
    '  echo "$c running"',
    'done',
  );
}

export const CRICTL_CHECK = 'command -v crictl >/dev/null || { echo "crictl is not installed: cannot tell when the pods have stopped" >&2; exit 1; }';
