// checkSnapshotFile (operator machine, read-only): the snapshot file is readable and hashes to
// the expected sha256 before anything is copied or stopped (openssl, else sha256sum / shasum).
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface CheckSnapshotFileArgs {
  snapshot: TemplateArg;
  sha256: TemplateArg;
}

export const checkSnapshotFile: DrAction<CheckSnapshotFileArgs> = {
  name: 'checkSnapshotFile',
  summary: 'the snapshot on the operator machine is readable and has the expected sha256',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['snapshot', 'sha256'],
    properties: { snapshot: { type: 'string', minLength: 1 }, sha256: { type: 'string', minLength: 1 } },
  },
  expand: (a) => ({
    action: {
      kind: 'local',
      command: script(
        `f=${word(a.snapshot)}; want=${word(a.sha256)}`,
        'test -r "$f" || { echo "snapshot $f is not readable" >&2; exit 1; }',
        // openssl first: ~8x coreutils' sha256sum here, and the hash is the whole step.
        's=$(openssl dgst -sha256 -r < "$f" 2>/dev/null) || s=""; s=${s%% *}',
        '[ ${#s} -eq 64 ] || { if command -v sha256sum >/dev/null 2>&1; then s=$(sha256sum < "$f"); else s=$(shasum -a 256 < "$f"); fi; s=${s%% *}; }',
        '[ "$s" = "$want" ] || { echo "sha256 of $f is $s, expected $want" >&2; exit 1; }',
        'echo "snapshot sha256 ok: $s ($(wc -c < "$f") bytes)"',
      ),
    },
    idempotent: true,
    readOnly: true,
  }),
};
