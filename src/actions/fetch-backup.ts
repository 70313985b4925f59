// The operator-machine side of etcd-backup: prepareBackupDir makes <backupDir>/<cluster>-<run>/
// (with .parts/ for the nodes' tars), fetchBackupFile downloads one file of a node's staging dir
// into it (the transport compares the node's sha256 of the file with the bytes that arrived).
import { BACKUP_DIR_SCHEMA, backupRunDir, backupRunPath, DEFAULT_BACKUP_STAGE, STAGE_DIR_SCHEMA } from './backup-paths.js';
import { creatable, script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface PrepareBackupDirArgs {
  backupDir: TemplateArg;
}

export const prepareBackupDir: DrAction<PrepareBackupDirArgs> = {
  name: 'prepareBackupDir',
  summary: 'create <backupDir>/<cluster>-<run id>/ on this machine',
  argsSchema: { type: 'object', additionalProperties: false, required: ['backupDir'], properties: { backupDir: BACKUP_DIR_SCHEMA } },
  expand: (a) => ({
    action: { kind: 'local', command: script(`d=${backupRunDir(a.backupDir)}`, 'mkdir -p -- "$d/.parts"', 'echo "backup dir: $d"') },
    // rmdir: only while empty, so a backup already (partly) written stays.
    undo: { kind: 'local', command: script(`d=${backupRunDir(a.backupDir)}`, 'rmdir -- "$d/.parts" "$d" 2>/dev/null || true') },
    check: { kind: 'local', command: script(`b=${word(a.backupDir)}`, creatable('b', 'the backup dir')) },
    idempotent: true,
  }),
};

/** Files of a node's staging dir that fetchBackupFile brings here, and where they go. */
const FETCHED = {
  'snapshot.db': 'snapshot.db',
  'snapshot.db.sha256': 'snapshot.db.sha256',
  'cluster.json': 'cluster.json',
  'node-files.tar': '.parts/{{ node.name }}.tar',
} as const;

export interface FetchBackupFileArgs {
  backupDir: TemplateArg;
  file: keyof typeof FETCHED;
  stageDir?: TemplateArg;
}

export const fetchBackupFile: DrAction<FetchBackupFileArgs> = {
  name: 'fetchBackupFile',
  summary: 'download one file of the node\'s backup staging dir into the backup dir here, sha256 verified end to end',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['backupDir', 'file'],
    properties: {
      backupDir: { ...BACKUP_DIR_SCHEMA, description: 'As given to prepareBackupDir.' },
      file: { enum: Object.keys(FETCHED), description: 'snapshot.db, snapshot.db.sha256, cluster.json (from the node that saved the snapshot) or node-files.tar (from each node, into .parts/<node>.tar).' },
      stageDir: { ...STAGE_DIR_SCHEMA, description: `As given to saveSnapshot / collectNodeFiles. Default ${DEFAULT_BACKUP_STAGE}.` },
    },
  },
  expand: (a) => {
    const dest = `${backupRunPath(a.backupDir)}/${FETCHED[a.file]}`;
    return {
      action: { kind: 'download', src: `${a.stageDir ?? DEFAULT_BACKUP_STAGE}/{{ run.id }}/${a.file}`, dest },
      // What arrived here is moved aside; the node's staged file stays where it is.
      undo: { kind: 'local', command: script(`f=${backupRunDir(a.backupDir)}/${word(FETCHED[a.file])}`, 'if [ -e "$f" ]; then mv -- "$f" "$f.undone"; fi') },
      // The file is made during the run; the node needs what hashes it for the transfer.
      check: { kind: 'shell', sudo: true, script: 'command -v sha256sum >/dev/null || command -v openssl >/dev/null || { echo "neither sha256sum nor openssl is installed" >&2; exit 1; }' },
      idempotent: true,
      timeoutMs: a.file === 'snapshot.db' ? 1_800_000 : 300_000,
    };
  },
};
