// prepareStaging: the node's per-run staging dir `<stageDir>/<run id>` (0700), where the
// snapshot copy, the restore output, markers and saved worker configs go. Creating it again is a
// no-op (idempotent); undo removes it only while it is empty (rmdir), so nothing is deleted.
import { creatable, script, word } from './shell.js';
import { DEFAULT_STAGE } from './stage-snapshot.js';
import type { DrAction, TemplateArg } from './types.js';

export interface PrepareStagingArgs {
  stageDir?: TemplateArg;
}

export const prepareStaging: DrAction<PrepareStagingArgs> = {
  name: 'prepareStaging',
  summary: 'create the per-run staging dir on the node',
  argsSchema: { type: 'object', additionalProperties: false, properties: { stageDir: { type: 'string', description: `Default ${DEFAULT_STAGE}.` } } },
  expand: (a) => {
    const s = `s=${word(a.stageDir ?? DEFAULT_STAGE)}/{{ run.id }}`;
    return {
      action: { kind: 'shell', sudo: true, script: script(s, 'mkdir -p -m 0700 -- "$s"') },
      undo: { kind: 'shell', sudo: true, script: script(s, 'rmdir -- "$s" 2>/dev/null || true') },
      check: { kind: 'shell', sudo: true, script: script(s, creatable('s', 'the staging dir')) },
      idempotent: true,
    };
  },
};
