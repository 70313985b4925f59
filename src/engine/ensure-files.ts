// ensureFiles on one node: every listed file under its pki dir exists, or is uploaded from the
// backup's copy of THIS node (nodes/<node>/pki/…, sha256 checked against SHA256SUMS). Another
// node's certificate is never a source (the CA, the same on every node, comes from shared/pki). Every missing file is looked up in the backup before
// anything is uploaded, so a backup that lacks one refuses the node with nothing changed.
import { posix } from 'node:path';
import { LOCAL_NODE, type PlannedEnsureFiles } from '../model/index.js';
import type { PrimitiveIo, PrimitiveResult } from './primitive-io.js';
import { backupFileScript, ensuredMarker, missingFilesScript, NOT_HERE, recordEnsuredScript } from './primitive-scripts.js';
import { SHARED_PKI } from '../etcd/backup/layout.js';

export async function ensureFiles(io: PrimitiveIo, node: string, a: PlannedEnsureFiles): Promise<PrimitiveResult> {
  const listed = await io.exec(node, missingFilesScript(a.dir, a.files), { sudo: a.sudo });
  if (listed.outcome !== 'done') return { ok: false, error: `cannot look at ${a.dir} on ${node}: ${listed.error ?? ''} ${listed.stderr}`.trim() };
  const missing = listed.raw.split('\n').filter((f) => f !== '');
  if (missing.length === 0) {
    io.say(`${node}: all ${a.files.length} files present under ${a.dir}`);
    return { ok: true };
  }
  const howTo = `put them back on ${node} by hand (they are ${node}'s own: never copy another node's), or pass the backup etcd-backup wrote with --param backup=DIR`;
  if (!a.backup) return { ok: false, error: `FILES_MISSING: ${node} lacks ${missing.map((f) => posix.join(a.dir, f)).join(', ')} and no backup was given.\n  fix: ${howTo}` };

  const backup = io.text(a.backup);
  const found = new Map<string, string>();
  const absent: string[] = [];
  for (const f of missing) {
    const rel = backupRelOf(a, f);
    const r = await io.exec(LOCAL_NODE, backupFileScript(backup, rel), { sudo: false });
    if (r.outcome === 'done') found.set(f, r.raw.trim());
    else if (r.exitCode === NOT_HERE) absent.push(rel);
    else return { ok: false, error: `the backup's copy of ${rel} cannot be used: ${r.stderr.trim() || r.error || ''}` };
  }
  if (absent.length > 0) {
    return { ok: false, error: `FILES_MISSING: ${node} lacks ${missing.map((f) => posix.join(a.dir, f)).join(', ')}; the backup ${backup} has no ${absent.join(', ')}.\n  fix: ${howTo.replace(', or pass the backup etcd-backup wrote with --param backup=DIR', ', or pass a backup taken while the node had them')}; nothing was changed` };
  }
  if (a.mode === 'check') {
    io.say(`${node}: missing ${missing.join(' ')}: the backup has this node's copy of each (${posix.join(backup, a.backupRel)})`);
    return { ok: true };
  }
  const marker = ensuredMarker(a.dir, io.runId);
  for (const [f, want] of found) {
    // The marker first: an upload interrupted after it is still moved aside by the undo.
    const rec = await io.exec(node, recordEnsuredScript(a.dir, marker, f), { sudo: a.sudo });
    if (rec.outcome !== 'done') return { ok: false, error: `cannot prepare ${posix.join(a.dir, f)} on ${node}: ${rec.error ?? ''} ${rec.stderr}`.trim() };
    const up = await io.upload(node, posix.join(backup, backupRelOf(a, f)), posix.join(a.dir, f), /\.key$/.test(f) ? 0o600 : 0o644);
    if (up.sha256 !== want) return { ok: false, error: `${f} uploaded to ${node} has sha256 ${up.sha256}, the backup's SHA256SUMS says ${want}` };
    io.say(`${node}: ${posix.join(a.dir, f)} restored from ${posix.join(backup, backupRelOf(a, f))}`);
  }
  return { ok: true };
}

/**
 * kubeadm's CA material is the same on every control-plane node, so etcd-backup keeps it once
 * under shared/pki (runbooks/etcd-backup.yaml lists the same names); everything else comes from
 * this node's own copy.
 */
const SHARED = new Set(SHARED_PKI);

function backupRelOf(a: PlannedEnsureFiles, f: string): string {
  return SHARED.has(f) ? posix.join('shared/pki', f) : posix.join(a.backupRel, f);
}
