// restoreEtcdProbes: after quorum, the etcd.yaml the kubelet runs gets back the startup and
// liveness probes it had before the restore (configureMember relaxed them for the restored db's
// load, src/etcd/probe.ts). The original is the copy configureMember's manifest edit kept
// (`<stashDir>/kubedr-backup/<run id>/<step>/etcd.yaml`, the engine's layout in
// src/engine/manifest-action.ts); every other line of the running manifest stays. The kubelet
// restarts a member whose manifest changed: waitEtcdQuorum follows. Idempotent (writes the same
// probes again); undo: the manifest edit's own, the relaxed file back.
import { script, word } from './shell.js';
import { DEFAULT_STASH } from './static-pods.js';
import type { DrAction, TemplateArg } from './types.js';

export interface RestoreEtcdProbesArgs {
  /** Id of the configureMember step that relaxed the probes. */
  relaxedBy: string;
  /** As given to that step. @default '/etc/kubernetes/kubedr-stash' */
  stashDir?: TemplateArg;
  /** The manifest to edit. @default '{{ node.paths.manifestDir }}/etcd.yaml' */
  file?: TemplateArg;
}

export const restoreEtcdProbes: DrAction<RestoreEtcdProbesArgs> = {
  name: 'restoreEtcdProbes',
  summary: "put back etcd.yaml's startup/liveness probes as they were before the restore (after quorum)",
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['relaxedBy'],
    properties: {
      relaxedBy: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Id of the configureMember step that relaxed the probes (its kept original holds them).' },
      stashDir: { type: 'string', description: `As given to that step. Default ${DEFAULT_STASH}.` },
      file: { type: 'string', description: 'Manifest to edit. Default {{ node.paths.manifestDir }}/etcd.yaml.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'manifest',
      file: file(a),
      edits: [{ op: 'restoreProbes', from: `${a.stashDir ?? DEFAULT_STASH}/kubedr-backup/{{ run.id }}/${a.relaxedBy}/etcd.yaml` }],
      sudo: true,
    },
    // Before the run only the manifests dir can be checked: the original is written by the run.
    check: { kind: 'shell', sudo: true, script: script(`f=${word(file(a))}; d=$(dirname -- "$f")`, 'test -d "$d" && test -w "$d" || { echo "$d is not a writable dir" >&2; exit 1; }') },
    idempotent: true,
  }),
};

const file = (a: RestoreEtcdProbesArgs): TemplateArg => a.file ?? '{{ node.paths.manifestDir }}/etcd.yaml';
