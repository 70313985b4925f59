// stageSnapshot: the snapshot copied from the operator machine into the node's per-run staging
// dir (`<stageDir>/<run id>/snapshot.db`, mode 0600). The transport hashes the bytes the node
// received and the step fails unless they match `sha256`. Idempotent (the upload replaces the
// file); undo moves the staged copy aside; the check asks for a creatable staging dir.
import { creatable, script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface StageSnapshotArgs {
  /** Snapshot file on the operator machine. */
  snapshot: TemplateArg;
  /** Its expected sha256 (hex). */
  sha256: TemplateArg;
  /** @default '/var/lib/kubedr/runs' */
  stageDir?: TemplateArg;
}

export const DEFAULT_STAGE = '/var/lib/kubedr/runs';

/** The staged snapshot's path on the node (a template). */
export const stagedSnapshot = (stageDir: TemplateArg | undefined): string => `${stageDir ?? DEFAULT_STAGE}/{{ run.id }}/snapshot.db`;

export const stageSnapshot: DrAction<StageSnapshotArgs> = {
  name: 'stageSnapshot',
  summary: 'copy the snapshot into the node\'s per-run staging dir, sha256 verified on the node',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['snapshot', 'sha256'],
    properties: {
      snapshot: { type: 'string', minLength: 1, description: 'Snapshot file on the operator machine.' },
      sha256: { type: 'string', minLength: 1, description: 'Its sha256; the bytes on the node must hash to it.' },
      stageDir: { type: 'string', description: `Per-run staging dirs on the node (<stageDir>/<run id>). Default ${DEFAULT_STAGE}.` },
    },
  },
  expand: (a) => {
    const stage = `${word(a.stageDir ?? DEFAULT_STAGE)}/{{ run.id }}`;
    return {
      action: { kind: 'upload', src: a.snapshot, dest: stagedSnapshot(a.stageDir), mode: '0600', sha256: a.sha256 },
      undo: { kind: 'shell', sudo: true, script: `s=${stage}; if [ -e "$s/snapshot.db" ]; then mv -- "$s/snapshot.db" "$s/snapshot.db.undone"; fi` },
      check: { kind: 'shell', sudo: true, script: script(`s=${stage}`, creatable('s', 'the staging dir')) },
      idempotent: true,
      timeoutMs: 1_800_000,
    };
  },
};
