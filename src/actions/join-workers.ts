// createJoinToken and rejoinWorker: a fresh bootstrap token that exists in the restored
// cluster, captured as a SECRET (never shown, logged or journaled), and on each worker the
// files `kubeadm reset` deletes saved aside once per run, then reset and join.
import { creatable, script, word } from './shell.js';
import { DEFAULT_STAGE } from './stage-snapshot.js';
import type { DrAction, TemplateArg } from './types.js';

export interface CreateJoinTokenArgs {
  /** @default '2h' */
  ttl?: TemplateArg;
}

export const createJoinToken: DrAction<CreateJoinTokenArgs> = {
  name: 'createJoinToken',
  summary: 'create a bootstrap token and capture the kubeadm join command as a secret',
  argsSchema: { type: 'object', additionalProperties: false, properties: { ttl: { type: 'string', description: 'Token lifetime. Default 2h.' } } },
  // Another token is harmless: resume creates a fresh one (a secret is never journaled).
  expand: (a) => ({
    action: { kind: 'capture', command: `kubeadm token create --ttl ${word(a.ttl ?? '2h')} --print-join-command`, secret: true, sudo: true },
    check: { kind: 'shell', sudo: true, script: 'command -v kubeadm >/dev/null || { echo "kubeadm is not installed" >&2; exit 1; }; test -r /etc/kubernetes/admin.conf || { echo "/etc/kubernetes/admin.conf is missing: kubeadm token create needs it" >&2; exit 1; }' },
    idempotent: true,
  }),
};

export interface RejoinWorkerArgs {
  /** Id of the createJoinToken step whose captured join command is run. */
  joinFrom: string;
  stageDir?: TemplateArg;
  /** Passed to kubeadm join as --ignore-preflight-errors. @default '' */
  ignorePreflightErrors?: TemplateArg;
}

export const rejoinWorker: DrAction<RejoinWorkerArgs> = {
  name: 'rejoinWorker',
  summary: 'save /etc/kubernetes and /var/lib/kubelet aside, kubeadm reset -f, join with the captured command',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['joinFrom'],
    properties: {
      joinFrom: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Id of the createJoinToken step.' },
      stageDir: { type: 'string', description: `Per-run staging dirs (the saved files go to <stageDir>/<run id>/worker-saved). Default ${DEFAULT_STAGE}.` },
      ignorePreflightErrors: { type: 'string', description: 'kubeadm join --ignore-preflight-errors (files a reset may leave behind).' },
    },
  },
  expand: (a) => {
    const stage = `stage=${word(a.stageDir ?? DEFAULT_STAGE)}/{{ run.id }}`;
    return {
      action: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          stage,
          'mkdir -p -m 0700 "$stage"',
          '# What reset deletes is copied first (once per run, a copy cut short kept aside), so rollback can put it back.',
          'if [ ! -e "$stage/worker-saved" ]; then',
          '  if [ -e "$stage/worker-saved.partial" ]; then mv -- "$stage/worker-saved.partial" "$stage/worker-saved.partial.$(date +%s)"; fi',
          '  mkdir -p "$stage/worker-saved.partial"',
          '  if [ -d /etc/kubernetes ]; then cp -a /etc/kubernetes "$stage/worker-saved.partial/etc-kubernetes"; fi',
          '  if [ -d /var/lib/kubelet ]; then cp -a /var/lib/kubelet "$stage/worker-saved.partial/var-lib-kubelet"; fi',
          '  mv -- "$stage/worker-saved.partial" "$stage/worker-saved"',
          'fi',
          'kubeadm reset -f >/dev/null',
          `{{ steps.${a.joinFrom}.stdout | raw }}${a.ignorePreflightErrors ? ` --ignore-preflight-errors=${word(a.ignorePreflightErrors)}` : ''}`,
        ),
      },
      undo: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          stage,
          'saved="$stage/worker-saved"; [ -d "$saved" ] || exit 0',
          'kubeadm reset -f >/dev/null',
          'if [ -d "$saved/etc-kubernetes" ]; then mkdir -p /etc/kubernetes; cp -a "$saved/etc-kubernetes/." /etc/kubernetes/; fi',
          'if [ -d "$saved/var-lib-kubelet" ]; then mkdir -p /var/lib/kubelet; cp -a "$saved/var-lib-kubelet/." /var/lib/kubelet/; fi',
          'echo "worker configuration from before the run put back"',
        ),
      },
      check: { kind: 'shell', sudo: true, script: script('command -v kubeadm >/dev/null || { echo "kubeadm is not installed" >&2; exit 1; }', stage, creatable('stage', 'the staging dir')) },
      idempotent: true,
      timeoutMs: 600_000,
    };
  },
};
