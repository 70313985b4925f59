// placeManifest on one node: `<stash>/<file>` from the first source that has it — the stash,
// the manifests dir or a searchPath dir (moved), the backup's copy of this very node (uploaded,
// sha256 checked against SHA256SUMS), or a surviving member's manifest read over SSH and rebuilt
// with this node's identity. `check` says which source it would be (a rebuild as a diff) and
// changes nothing. The output always names the source.
import { posix } from 'node:path';
import { unifiedDiff } from '../etcd/manifest-diff.js';
import { rebuildManifest } from '../etcd/manifest-identity.js';
import { LOCAL_NODE, type PlannedPlaceManifest } from '../model/index.js';
import type { PrimitiveIo, PrimitiveResult } from './primitive-io.js';
import { backupFileScript, findManifestScript, NOT_HERE, prepareCreatedScript, readFirstScript, writeCreatedScript } from './primitive-scripts.js';

export async function placeManifest(io: PrimitiveIo, node: string, a: PlannedPlaceManifest): Promise<PrimitiveResult> {
  const apply = a.mode === 'apply';
  // createOnly: a file found in a dir stays there (moving it would stop its pod).
  const move = apply && a.createOnly !== true;
  const stash = io.text(a.stash);
  const search = io.text(a.searchPath).split(':').filter((d) => d !== '');
  const dirs = [a.manifestDir, ...search];
  const tried: string[] = [];

  const found = await io.exec(node, findManifestScript(a.file, stash, dirs, move), { sudo: a.sudo });
  if (found.outcome === 'done') {
    const [kind, ...rest] = found.raw.trim().split(' ');
    const where = rest.join(' ');
    const source = kind === 'stash' ? `already stashed in ${where}` : where === a.manifestDir ? `in place (${where})` : `manifestSearchPath (${where})`;
    io.say(`${a.file} on ${node}: ${source}${kind === 'stash' ? '' : move ? `, moved to ${stash}` : apply ? ', left there (moved to the stash at the stop)' : ''}`);
    return { ok: true };
  }
  if (found.exitCode !== NOT_HERE) return fail(`cannot look for ${a.file} on ${node}: ${found.error ?? ''} ${found.stderr}`);
  tried.push(`not in ${stash}`, `not in ${a.manifestDir}`, search.length > 0 ? `not in manifestSearchPath (${search.join(':')})` : 'no manifestSearchPath given');

  if (a.backup) {
    const backup = io.text(a.backup);
    const local = posix.join(backup, a.backupRel);
    const listed = await io.exec(LOCAL_NODE, backupFileScript(backup, a.backupRel), { sudo: false });
    if (listed.outcome === 'done') {
      const want = listed.raw.trim();
      if (!apply) {
        io.say(`${a.file} on ${node}: from the backup, ${local} (sha256 ${want.slice(0, 16)}…, this node's own copy)`);
        return { ok: true };
      }
      const prep = await io.exec(node, prepareCreatedScript(a.file, stash, `backup ${local}`), { sudo: a.sudo });
      if (prep.outcome !== 'done') return fail(`cannot prepare ${stash} on ${node}: ${prep.error ?? ''} ${prep.stderr}`);
      const up = await io.upload(node, local, posix.join(stash, a.file), 0o600);
      if (up.sha256 !== want) return fail(`${a.file} uploaded to ${node} has sha256 ${up.sha256}, the backup's SHA256SUMS says ${want}`);
      io.say(`${a.file} on ${node}: from the backup, ${local} → ${stash}/${a.file} (sha256 ${want.slice(0, 16)}…)`);
      return { ok: true };
    }
    if (listed.exitCode !== NOT_HERE) return fail(`the backup's copy of ${a.file} for ${node} cannot be used: ${listed.stderr.trim() || listed.error || ''}`);
    tried.push(`not in the backup (${local})`);
  } else tried.push('no backup given');

  for (const s of a.survivors) {
    const paths = [stash, s.manifestDir, ...search].map((d) => posix.join(d, a.file));
    const read = await io.exec(s.identity.node, readFirstScript(paths), { sudo: a.sudo });
    if (read.outcome !== 'done') {
      tried.push(read.exitCode === NOT_HERE ? `${s.identity.node} has none` : `${s.identity.node}: ${read.outcome} (${read.error ?? ''})`);
      continue;
    }
    const nl = read.raw.indexOf('\n');
    const path = read.raw.slice(0, nl);
    const original = read.raw.slice(nl + 1);
    const from = `${s.identity.node}:${path}`;
    let rebuilt;
    try {
      rebuilt = rebuildManifest(original, s.identity, a.target, from);
    } catch (err) {
      tried.push(`${from} cannot be rebuilt: ${(err as Error).message}`);
      continue;
    }
    const changes = rebuilt.changes.map((c) => c.where).join(', ');
    const lines = [`${a.file} on ${node}: rebuilt from ${from} with ${node}'s identity (${changes || 'nothing to substitute'})`];
    if (rebuilt.untouched.length > 0) lines.push(`  left as they are, though they name ${s.identity.node}'s address: ${rebuilt.untouched.join(' ')}`);
    lines.push(unifiedDiff(original, rebuilt.text, from, `${node}:${stash}/${a.file} (rebuilt)`).trimEnd());
    if (apply) {
      const w = await io.exec(node, writeCreatedScript(a.file, stash, `rebuilt ${from}`), { sudo: a.sudo, stdin: rebuilt.text });
      if (w.outcome !== 'done') return fail(`cannot write the rebuilt ${a.file} on ${node}: ${w.error ?? ''} ${w.stderr}`);
    }
    io.say(lines.join('\n'));
    return { ok: true };
  }
  if (a.survivors.length === 0) tried.push('no other member to rebuild from');
  return fail(missingMessage(node, a, tried));
}

/** The operator's view when nothing has the file: what was tried and the three remedies. */
function missingMessage(node: string, a: PlannedPlaceManifest, tried: string[]): string {
  const member = a.target.etcdName !== undefined ? ` (etcd member ${a.target.etcdName})` : '';
  return [
    `MANIFEST_MISSING: no ${a.file} for ${node}${member}: ${tried.join('; ')}.`,
    `  fix: pass the backup etcd-backup wrote (--param backup=DIR, with ${a.backupRel}),`,
    `       or put the file on ${node} and name its dir in --param manifestSearchPath=DIR,`,
    `       or bring back ${a.file} on one surviving ${a.file === 'etcd.yaml' ? 'member' : 'control-plane node'} to rebuild it from.`,
  ].join('\n');
}

function fail(error: string): PrimitiveResult {
  return { ok: false, error };
}
