// checkSnapshot: on the node, the staged snapshot's sha256 again (openssl, ~8x coreutils here),
// `snapshot status` with the inventory's etcd.tool, and free space for a restored copy (twice the
// snapshot + 64 MiB) next to it. Only reads, so it is idempotent; before the run the snapshot is
// not staged yet, so the rehearsal checks the tools it needs.
import { resolveTool, SNAP_TOOL_FN, toolCheck } from './etcd-shell.js';
import { script, word } from './shell.js';
import { DEFAULT_STAGE } from './stage-snapshot.js';
import type { DrAction, TemplateArg } from './types.js';

export interface CheckSnapshotArgs {
  sha256: TemplateArg;
  stageDir?: TemplateArg;
  /** @default '{{ etcd.tool }}' */
  tool?: TemplateArg;
}

/** Sets $s to the sha256 of file "$f" (openssl, else sha256sum). */
export const SHA256_OF_F = 's=$(openssl dgst -sha256 -r < "$f" 2>/dev/null) || s=""; s=${s%% *}; [ ${#s} -eq 64 ] || { s=$(sha256sum < "$f"); s=${s%% *}; }';

export const checkSnapshot: DrAction<CheckSnapshotArgs> = {
  name: 'checkSnapshot',
  summary: 'sha256, snapshot status and free space of the staged snapshot on the node',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['sha256'],
    properties: {
      sha256: { type: 'string', minLength: 1, description: 'Expected sha256 of the staged snapshot.' },
      stageDir: { type: 'string', description: `As given to stageSnapshot. Default ${DEFAULT_STAGE}.` },
      tool: { type: 'string', description: 'auto, etcdutl or etcdctl. Default {{ etcd.tool }}.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      sudo: true,
      script: script(
        'set -e',
        `d=${word(a.stageDir ?? DEFAULT_STAGE)}/{{ run.id }}; f="$d/snapshot.db"; want=${word(a.sha256)}`,
        SHA256_OF_F,
        '[ "$s" = "$want" ] || { echo "the staged snapshot $f has sha256 $s, expected $want" >&2; exit 1; }',
        resolveTool(a.tool),
        SNAP_TOOL_FN,
        'snap_tool --write-out=table snapshot status "$f"',
        'size=$(wc -c < "$f"); free=$(df -Pk "$d" | awk \'NR==2 {print $4}\'); need=$(( (size * 2) / 1024 + 65536 ))',
        'echo "sha256 ok; snapshot $size bytes; free ${free} KiB; need ${need} KiB"',
        '[ "$free" -ge "$need" ] || { echo "not enough free space on $(uname -n) for a restored copy: ${free} KiB free, ${need} KiB needed" >&2; exit 1; }',
      ),
    },
    check: { kind: 'shell', sudo: true, script: script('for c in df awk; do command -v $c >/dev/null || { echo "$c is not installed" >&2; exit 1; }; done', 'command -v openssl >/dev/null || command -v sha256sum >/dev/null || { echo "neither openssl nor sha256sum is installed" >&2; exit 1; }', toolCheck(a.tool)) },
    idempotent: true,
    timeoutMs: 1_800_000,
  }),
};

export interface SnapshotStatusArgs {
  stageDir?: TemplateArg;
  /** @default '{{ etcd.tool }}' */
  tool?: TemplateArg;
}

/** Where snapshotStatus keeps its output, next to the staged snapshot (a template). */
export const STATUS_FILE = 'snapshot-status.json';

// snapshotStatus: `snapshot status` (etcd.tool) of the staged snapshot, kept as
// <stageDir>/<run id>/snapshot-status.json. recordEtcdData takes the snapshot's revision from it
// instead of reading the whole snapshot again once etcd is back (a 4.6 GiB snapshot: ~70 s, with
// the API down). Runs before the stop, beside the restore; writes only into the staging dir.
export const snapshotStatus: DrAction<SnapshotStatusArgs> = {
  name: 'snapshotStatus',
  summary: 'snapshot status of the staged snapshot, kept next to it for recordEtcdData',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stageDir: { type: 'string', description: `As given to stageSnapshot. Default ${DEFAULT_STAGE}.` },
      tool: { type: 'string', description: 'auto, etcdutl or etcdctl. Default {{ etcd.tool }}.' },
    },
  },
  expand: (a) => {
    const d = `d=${word(a.stageDir ?? DEFAULT_STAGE)}/{{ run.id }}`;
    return {
      action: {
        kind: 'shell',
        sudo: true,
        script: script(
          'set -e',
          d,
          resolveTool(a.tool),
          SNAP_TOOL_FN,
          `snap_tool --write-out=json snapshot status "$d/snapshot.db" > "$d/${STATUS_FILE}.part"`,
          `mv -- "$d/${STATUS_FILE}.part" "$d/${STATUS_FILE}"`,
          `cat "$d/${STATUS_FILE}"`,
        ),
      },
      undo: { kind: 'shell', sudo: true, script: script(d, `if [ -e "$d/${STATUS_FILE}" ]; then mv -- "$d/${STATUS_FILE}" "$d/${STATUS_FILE}.undone"; fi`) },
      check: { kind: 'shell', sudo: true, script: toolCheck(a.tool) },
      idempotent: true,
      timeoutMs: 1_800_000,
    };
  },
};
