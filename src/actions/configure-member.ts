// configureMember: the stashed etcd.yaml edited YAML-aware with the engine's `manifest` action
// (comments and layout kept, original kept once per run and step, the implicit undo puts it
// back): --initial-cluster of every member and --initial-cluster-state. Editing again writes
// the same flags (idempotent). The check asks that etcd.yaml is where stopStaticPods finds it,
// or, with `placed: true` (an earlier placeManifest step puts it into the stash), that
// placeManifest has a source for it: the same read-only check, so a rehearsal passes a member
// whose file will be placed and still blocks, naming why, one without any source.
// `relaxProbesFor` (the node path of the db being restored, e.g. the staged snapshot) also widens
// etcd's startup window for that db's size (src/etcd/probe.ts); restoreEtcdProbes puts the
// original probes back after quorum, reading the original this step kept.
import { DEFAULT_STASH } from './static-pods.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface ConfigureMemberArgs {
  stashDir?: TemplateArg;
  /** @default '<stashDir>/{{ run.id }}/etcd.yaml' */
  file?: TemplateArg;
  /** @default '{{ cluster.initialCluster }}' */
  initialCluster?: TemplateArg;
  /** @default 'existing' */
  state?: 'new' | 'existing';
  /** Colon-separated dirs where etcd.yaml may have been moved by hand (for the check). */
  searchPath?: TemplateArg;
  /** etcd.yaml arrives in the stash by an earlier placeManifest step of the run. @default false */
  placed?: boolean;
  /** As given to that placeManifest (its backup dir). @default '' */
  backup?: TemplateArg;
  /** Node path whose size is the db being restored: the probes are relaxed for it. @default none */
  relaxProbesFor?: TemplateArg;
}

export const configureMember: DrAction<ConfigureMemberArgs> = {
  name: 'configureMember',
  summary: 'edit the stashed etcd.yaml: --initial-cluster of every member, --initial-cluster-state',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stashDir: { type: 'string', description: `As given to stopStaticPods. Default ${DEFAULT_STASH}.` },
      file: { type: 'string', description: 'Manifest to edit. Default <stashDir>/<run id>/etcd.yaml.' },
      initialCluster: { type: 'string', description: 'Default {{ cluster.initialCluster }}.' },
      state: { enum: ['new', 'existing'], description: 'Default existing.' },
      searchPath: { type: 'string', description: 'As given to stopStaticPods (where the check looks for etcd.yaml).' },
      placed: { type: 'boolean', description: 'etcd.yaml is put into the stash by an earlier placeManifest step: the check is its source check. Default false.' },
      backup: { type: 'string', description: 'With placed: the backup dir given to placeManifest. Default none.' },
      relaxProbesFor: { type: 'string', description: "Node path whose size is the db being restored (the staged snapshot): etcd's startup/liveness probes are relaxed so the kubelet lets a member that size start. Default: probes untouched." },
    },
  },
  expand: (a) => {
    const stash = `${a.stashDir ?? DEFAULT_STASH}/{{ run.id }}`;
    return {
      action: {
        kind: 'manifest',
        file: a.file ?? `${stash}/etcd.yaml`,
        edits: [
          { op: 'setFlag', flag: '--initial-cluster', value: a.initialCluster ?? '{{ cluster.initialCluster }}' },
          { op: 'setFlag', flag: '--initial-cluster-state', value: a.state ?? 'existing' },
          ...(a.relaxProbesFor !== undefined ? [{ op: 'relaxProbes' as const, dbFile: a.relaxProbesFor }] : []),
        ],
        sudo: true,
      },
      check: a.placed === true
        ? { kind: 'placeManifest', file: 'etcd.yaml', stash, searchPath: a.searchPath ?? '', backup: a.backup ?? '', mode: 'check', sudo: true }
        : { kind: 'shell', sudo: true, script: inStashScript(a.searchPath, stash) },
      idempotent: true,
    };
  },
};

function inStashScript(searchPath: TemplateArg | undefined, stash: string): string {
  return script(
    `found=""; dirs={{ node.paths.manifestDir }}:${word(searchPath ?? '')}:${word(stash)}; old_ifs=$IFS; IFS=:`,
    'for d in $dirs; do if [ -n "$d" ] && [ -r "$d/etcd.yaml" ]; then found=$d; fi; done; IFS=$old_ifs',
    '[ -n "$found" ] || { echo "etcd.yaml is neither in the manifests dir nor in the search path: see docs/restoring.md (missing manifests)" >&2; exit 1; }',
  );
}
