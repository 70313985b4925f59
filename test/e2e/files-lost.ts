// Shared by the files-lost e2e tests: take a backup with etcd-backup (the layout the restore
// runbooks read with --param backup=DIR), the four damage modes that take files, and the
// checks that a member came back with its OWN files (the backup's copy or one rebuilt from a
// survivor must equal what the node had, --initial-cluster-state aside).
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect } from 'vitest';
import { loseEtcdPki, loseQuorumWithManifests, putBack, takenCopy, waitClusterUp, wipeAllWithManifests, wipeNode, type FileDamage, type Lab } from '../lab/index.js';
import { builtin, outcome, runProcedure, type Procedure } from './dr.js';
import { runIdOf } from './support.js';

export interface Backup {
  dir: string;
  sha256: string;
}

/** etcd-backup through the CLI into `backupDir`; the backup dir it wrote. */
export async function takeBackup(lab: Lab, backupDir: string, stateDir: string): Promise<Backup> {
  const r = await runProcedure({ runbook: builtin('etcd-backup'), inventory: lab.inventoryPath, stateDir, params: { backupDir } });
  expect(outcome(r).failed).toEqual([]);
  expect(r.code, r.stderr).toBe(0);
  const dir = join(backupDir, `lab-${runIdOf(r.events)}`);
  for (const f of ['snapshot.db', 'snapshot.db.sha256', 'cluster.json', 'SHA256SUMS']) expect(existsSync(join(dir, f)), `${dir}/${f}`).toBe(true);
  return { dir, sha256: readFileSync(join(dir, 'snapshot.db.sha256'), 'utf8').split(' ')[0] ?? '' };
}

/** ha-restore from the backup's bare snapshot + sha256: no manifest of any node comes from the backup. */
export function bareRestore(lab: Lab, stateDir: string, b: Backup): Procedure {
  return {
    runbook: builtin('ha-restore'), inventory: lab.inventoryPath, stateDir,
    params: { snapshot: join(b.dir, 'snapshot.db'), snapshotSha256: b.sha256, restartKubelet: 'false' },
  };
}

/**
 * A copy of the backup without `node`'s manifests (as a backup from before that node had them):
 * its SHA256SUMS rewritten to match, so only the missing files make a difference.
 */
export function backupWithoutManifests(b: Backup, node: string, dest: string): Backup {
  rmSync(dest, { recursive: true, force: true });
  cpSync(b.dir, dest, { recursive: true });
  rmSync(join(dest, 'nodes', node, 'manifests'), { recursive: true, force: true });
  const sums = readFileSync(join(dest, 'SHA256SUMS'), 'utf8').split('\n').filter((l) => l !== '' && !l.includes(`nodes/${node}/manifests/`));
  writeFileSync(join(dest, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  return { dir: dest, sha256: b.sha256 };
}

export type Mode = 'quorum' | 'all' | 'node' | 'pki';
export const MODES: Mode[] = ['quorum', 'all', 'node', 'pki'];

/**
 * Damage the lab. `rebuild`: leave a survivor's manifest to rebuild from (all members wiped:
 * cp1 kept its manifests; the others keep theirs anyway).
 */
export function damage(lab: Lab, mode: Mode, offNode: string, rebuild: boolean): Promise<FileDamage> {
  switch (mode) {
    case 'quorum': return loseQuorumWithManifests(lab, offNode);
    case 'all': return wipeAllWithManifests(lab, offNode, rebuild ? ['cp1'] : []);
    case 'node': return wipeNode(lab, 'cp3', offNode);
    case 'pki': return loseEtcdPki(lab, 'cp2', offNode, { manifest: true });
  }
}

const command = (yaml: string): string[] => (parse(yaml) as { spec: { containers: { command: string[] }[] } }).spec.containers[0]?.command ?? [];

/** The etcd.yaml flags that must come back exactly (--initial-cluster-state may say existing). */
const identity = (yaml: string): string[] => command(yaml).filter((f) => !f.startsWith('--initial-cluster-state='));

/**
 * Every manifest and certificate a damaged node lost is back, equal to what it had: the same
 * member name (etcd-<node>, never the node name), its own addresses, its own certificates.
 */
export function expectOwnFilesBack(lab: Lab, d: FileDamage): void {
  for (const [node, paths] of Object.entries(d.taken)) {
    for (const path of paths) {
      if (path === '/var/lib/etcd') continue;
      const now = lab.hostPath(node, path);
      expect(existsSync(now), `${node}:${path} is back`).toBe(true);
      if (path.endsWith('/etcd.yaml')) {
        const got = identity(readFileSync(now, 'utf8'));
        expect(got, `${node}: etcd.yaml`).toEqual(identity(readFileSync(takenCopy(d, node, path), 'utf8')));
        expect(got).toContain(`--name=${lab.node(node).etcdName ?? ''}`);
      } else if (path.endsWith('.yaml')) {
        expect(command(readFileSync(now, 'utf8')), `${node}: ${path}`).toEqual(command(readFileSync(takenCopy(d, node, path), 'utf8')));
      } else {
        // A certificate dir: the node's own files, byte for byte.
        for (const f of readdirSync(takenCopy(d, node, path))) {
          expect(readFileSync(join(now, f)).equals(readFileSync(join(takenCopy(d, node, path), f))), `${node}:${path}/${f}`).toBe(true);
        }
      }
    }
  }
}

/**
 * Run the restore and its checks on a damaged lab; when they fail, the taken files go back so
 * the next mode meets a healthy lab instead of this one's wreck (best effort: the failure stands).
 */
export async function healOnFailure(lab: Lab, d: FileDamage, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    try {
      await putBack(lab, d);
      await waitClusterUp(lab, 60_000);
    } catch (heal) {
      process.stderr.write(`files-lost: could not heal the lab after a failure: ${heal instanceof Error ? heal.message : String(heal)}\n`);
    }
    throw e;
  }
}
