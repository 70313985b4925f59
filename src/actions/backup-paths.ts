// Where etcd-backup's actions keep things: on each node the per-run staging dir
// `<stageDir>/<run id>` (kept after the run for the operator), on the operator machine the
// backup dir `<backupDir>/<cluster>-<run id>/` in the layout src/etcd/backup reads.
import { word } from './shell.js';
import type { TemplateArg } from './types.js';

/** @default staging dirs of backups on the nodes (apart from restores' /var/lib/kubedr/runs). */
export const DEFAULT_BACKUP_STAGE = '/var/lib/kubedr/backups';

/** The node's staging dir of this run, as one shell word. */
export const backupStage = (stageDir: TemplateArg | undefined): string => `${word(stageDir ?? DEFAULT_BACKUP_STAGE)}/{{ run.id }}`;

/** The backup dir of this run on the operator machine, as one shell word. */
export const backupRunDir = (backupDir: TemplateArg): string => `${word(backupDir)}/{{ cluster.name }}-{{ run.id }}`;

/** The same as a path template (download destinations are paths, not shell). */
export const backupRunPath = (backupDir: TemplateArg): string => `${backupDir}/{{ cluster.name }}-{{ run.id }}`;

export const STAGE_DIR_SCHEMA = { type: 'string', description: `Per-run staging dirs on the node (<stageDir>/<run id>), kept after the run. Default ${DEFAULT_BACKUP_STAGE}.` } as const;
export const BACKUP_DIR_SCHEMA = { type: 'string', minLength: 1, description: 'Directory on this machine that receives <cluster>-<run id>/.' } as const;

/** Rehearsal check fragment: every named command is installed (on the node or here). */
export function commandsCheck(cmds: readonly string[], where = ''): string {
  return `for c in ${cmds.join(' ')}; do command -v $c >/dev/null || { echo "$c is not installed${where}" >&2; exit 1; }; done`;
}

/** Undo fragment: each named file of dir "$d" that exists is moved to <file>.undone. */
export function moveAsideFiles(files: readonly string[]): string {
  return `for f in ${files.join(' ')}; do if [ -e "$d/$f" ]; then mv -- "$d/$f" "$d/$f.undone"; fi; done`;
}
