// The plan's view of placeManifest and ensureFiles: every source in the order the engine tries
// them, with this node's paths, so an operator sees where each node's file will come from.
import type { PlannedEnsureFiles, PlannedPlaceManifest } from '../model/index.js';
import { displayText } from './text.js';

export function describePrimitive(a: PlannedPlaceManifest | PlannedEnsureFiles): string {
  const sudo = a.sudo ? 'sudo ' : '';
  const backup = a.backup ? displayText(a.backup).replace(/\/+$/, '') : undefined;
  if (a.kind === 'ensureFiles') {
    const head = a.mode === 'check' ? `${sudo}check that these files exist under ${a.dir}, or that the backup has this node's copy:` : `${sudo}ensure these files under ${a.dir}, each missing one uploaded from this node's copy in the backup:`;
    const from = backup ? `  from ${backup}/${a.backupRel}/<file> (never another node's)` : '  no backup given (--param backup=DIR): a missing file refuses the run';
    return [head, `  ${a.files.join(' ')}`, from].join('\n');
  }
  const stash = `${displayText(a.stash)}/${a.file}`;
  const search = displayText(a.searchPath);
  const t = a.target;
  const who = t.etcdName !== undefined ? `${t.etcdName} (${t.peerURL ?? ''}, ${t.clientURL ?? ''})` : t.address;
  const survivors = a.survivors.map((s) => s.identity.node);
  const lines = [
    a.mode === 'check'
      ? `${sudo}check where ${stash} would come from (a rebuilt file is shown as a diff against its source):`
      : a.createOnly === true
        ? `${sudo}create ${stash} only if no dir below has the file (nothing is moved or stopped here):`
        : `${sudo}place ${stash} from the first source that has it:`,
    `  1. already stashed: ${stash}`,
    `  2. in place: ${a.manifestDir}/${a.file} (${a.createOnly === true ? 'left there' : `moved; origin kept in ${a.file}.from`})`,
    `  3. ${search === '' ? 'manifestSearchPath: (none)' : `manifestSearchPath: each of ${search}`} (${a.createOnly === true ? 'left there' : 'moved'})`,
    `  4. ${backup ? `backup: ${backup}/${a.backupRel} (uploaded)` : 'backup: (none given)'}`,
    `  5. ${survivors.length === 0 ? 'rebuilt: no other node to rebuild from' : `rebuilt from the first of ${survivors.join(', ')} that has it, as ${who} at ${t.address}`}`,
  ];
  return lines.join('\n');
}
