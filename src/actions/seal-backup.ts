// sealBackup and verifyBackup, on the operator machine. sealBackup unpacks every node's tar into
// the backup dir, refuses files that differ between nodes under one path (shared CA material:
// one CA per cluster), and writes SHA256SUMS from the sums the NODES computed (so `sha256sum -c`
// here proves the bytes arrived as they were on the node). verifyBackup checks every file.
import { BACKUP_DIR_SCHEMA, backupRunDir, commandsCheck } from './backup-paths.js';
import { script } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface BackupDirArgs {
  backupDir: TemplateArg;
}

const SUMS_FN = 'if command -v sha256sum >/dev/null 2>&1; then sums() { sha256sum "$@"; }; else sums() { shasum -a 256 "$@"; }; fi';
const SUMS_CHECK = 'command -v sha256sum >/dev/null || command -v shasum >/dev/null || { echo "neither sha256sum nor shasum is installed on this machine" >&2; exit 1; }';
const ARGS = { type: 'object', additionalProperties: false, required: ['backupDir'], properties: { backupDir: { ...BACKUP_DIR_SCHEMA, description: 'As given to prepareBackupDir.' } } } as const;

export const sealBackup: DrAction<BackupDirArgs> = {
  name: 'sealBackup',
  summary: 'unpack the nodes\' files into the backup dir here and write SHA256SUMS from the node-side sums',
  argsSchema: ARGS,
  expand: (a) => ({
    action: {
      kind: 'local',
      command: script(
        'set -e',
        `cd ${backupRunDir(a.backupDir)}`,
        SUMS_FN,
        'if [ -d .parts ]; then',
        '  for t in .parts/*.tar; do tar -xf "$t"; done',
        '  # The same path from two nodes (shared CA material) must have the same bytes everywhere.',
        '  dup=$(cat .sums/* | sort -u | awk \'{print $2}\' | sort | uniq -d)',
        '  [ -z "$dup" ] || { echo "these files differ between nodes (one CA per cluster expected): $dup" >&2; exit 1; }',
        '  { cat .sums/* | sort -u -k 2; sums snapshot.db.sha256 cluster.json; } > SHA256SUMS.part',
        '  mv -- SHA256SUMS.part SHA256SUMS',
        '  # Our own transfer copies, unpacked above: the backup is the tree that SHA256SUMS lists.',
        '  rm -f -- .parts/*.tar .sums/*',
        '  rmdir -- .parts .sums',
        'fi',
        'echo "$(wc -l < SHA256SUMS) files listed in SHA256SUMS"',
      ),
    },
    undo: { kind: 'local', command: script(`cd ${backupRunDir(a.backupDir)} 2>/dev/null || exit 0`, 'if [ -e SHA256SUMS ]; then mv -- SHA256SUMS SHA256SUMS.undone; fi') },
    check: { kind: 'local', command: script(SUMS_CHECK, commandsCheck(['awk', 'sort', 'uniq', 'tar'], ' on this machine')) },
    idempotent: true,
  }),
};

export const verifyBackup: DrAction<BackupDirArgs> = {
  name: 'verifyBackup',
  summary: 'sha256 of every file of the backup dir here against SHA256SUMS and snapshot.db.sha256',
  argsSchema: ARGS,
  expand: (a) => ({
    action: {
      kind: 'local',
      command: script(
        'set -e',
        `cd ${backupRunDir(a.backupDir)}`,
        SUMS_FN,
        'sums -c --quiet SHA256SUMS',
        // The snapshot is most of the bytes: openssl first (it uses the CPU's SHA extensions,
        // ~3x coreutils' sha256sum here on a multi-GiB file), else the checker.
        'want=$(cut -d " " -f 1 snapshot.db.sha256)',
        'if h=$(openssl dgst -sha256 -r < snapshot.db 2>/dev/null) && h=${h%% *} && [ ${#h} -eq 64 ]; then',
        '  [ "$h" = "$want" ] || { echo "snapshot.db: sha256 $h, snapshot.db.sha256 says $want" >&2; exit 1; }; echo "snapshot.db: OK"',
        'else sums -c snapshot.db.sha256; fi',
        'echo "backup: $(pwd) ($(wc -l < SHA256SUMS) files + snapshot.db, all sha256 verified)"',
      ),
    },
    // The backup does not exist before the run: the tools that verify it do.
    check: { kind: 'local', command: SUMS_CHECK },
    idempotent: true,
  }),
};
