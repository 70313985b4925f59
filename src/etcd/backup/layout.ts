// The directory etcd-backup writes and the restore runbooks read (`--param backup=DIR`):
//   snapshot.db, snapshot.db.sha256, cluster.json, SHA256SUMS (every other file),
//   shared/pki/… (CA material of every control-plane node), nodes/<node>/{manifests,pki}/…,
//   nodes/<node>/kubeadm-config.yaml.
// Pure: parse and check a listing of (path → sha256 as hashed here); load.ts does the I/O.
import type { Problem } from '../../errors/index.js';

export interface BackupMember {
  name: string;
  peerURL: string;
  clientURL: string;
}

export interface BackupCluster {
  cluster: string;
  members: BackupMember[];
  etcdVersion: string;
  revision: number;
  raftIndex: number;
  totalKeys: number;
  sha256: string;
  takenAt: string;
  takenFrom: string;
}

/** What a backup holds, by path relative to its directory. */
export interface BackupListing {
  dir: string;
  /** Relative path → sha256 of the bytes on this machine. */
  files: ReadonlyMap<string, string>;
  /** Text of the small metadata files, when present. */
  text: { sums?: string; snapshotSha?: string; cluster?: string };
}

export interface Backup {
  dir: string;
  cluster: BackupCluster;
  snapshotSha256: string;
  /** Relative paths of every verified file. */
  files: string[];
}

export const SNAPSHOT = 'snapshot.db';
export const SNAPSHOT_SHA = 'snapshot.db.sha256';
export const CLUSTER_JSON = 'cluster.json';
export const SHA256SUMS = 'SHA256SUMS';
const META = [SNAPSHOT, SNAPSHOT_SHA, CLUSTER_JSON, SHA256SUMS];

/** kubeadm's CA material under the pki dir, the same on every control-plane node: kept once, in shared/pki/. */
export const SHARED_PKI: readonly string[] = ['ca.crt', 'ca.key', 'sa.key', 'sa.pub', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'etcd/ca.key'];

/** Where the backup keeps one node's copy of a file (never another node's). */
export function nodeFilePath(node: string, kind: 'manifests' | 'pki', rel: string): string {
  return `nodes/${node}/${kind}/${rel}`;
}

const at = (dir: string, file: string, line: number, col: number) => ({ file: `${dir}/${file}`, line, col });
const HEX = /^[0-9a-f]{64}$/;

/** `<sha256>  <path>` per line, as sha256sum writes it. */
export function parseSha256Sums(text: string, dir: string, problems: Problem[]): Map<string, string> {
  const sums = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!m?.[1] || !m[2]) {
      problems.push({ code: 'BACKUP_BAD_SHA256SUMS', severity: 'error', pos: at(dir, SHA256SUMS, i + 1, 1), message: `not a "<sha256>  <path>" line: ${JSON.stringify(line.slice(0, 80))}`, hint: 'SHA256SUMS is written by etcd-backup; regenerate it with `sha256sum` from the backup dir, or take a new backup' });
      return;
    }
    const rel = m[2].replace(/^\.\//, '');
    if (rel.startsWith('/') || rel.split('/').includes('..')) {
      problems.push({ code: 'BACKUP_BAD_SHA256SUMS', severity: 'error', pos: at(dir, SHA256SUMS, i + 1, 67), message: `path ${JSON.stringify(rel)} leaves the backup dir`, hint: 'paths in SHA256SUMS are relative to the backup dir' });
      return;
    }
    sums.set(rel, m[1].toLowerCase());
  });
  return sums;
}

export function parseClusterJson(text: string, dir: string, problems: Problem[]): BackupCluster | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    problems.push({ code: 'BACKUP_BAD_CLUSTER_JSON', severity: 'error', pos: at(dir, CLUSTER_JSON, 1, 1), message: `not JSON: ${(err as Error).message}`, hint: 'cluster.json is written by etcd-backup; take a new backup' });
    return undefined;
  }
  const o = (v ?? {}) as Record<string, unknown>;
  const members = Array.isArray(o['members']) ? (o['members'] as Record<string, unknown>[]) : undefined;
  const missing = ['cluster', 'etcdVersion', 'sha256', 'takenAt', 'takenFrom'].filter((k) => typeof o[k] !== 'string');
  missing.push(...['revision', 'raftIndex', 'totalKeys'].filter((k) => typeof o[k] !== 'number'));
  if (!members || members.some((m) => typeof m['name'] !== 'string' || typeof m['peerURL'] !== 'string' || typeof m['clientURL'] !== 'string')) missing.push('members[{name,peerURL,clientURL}]');
  if (missing.length > 0) {
    problems.push({ code: 'BACKUP_BAD_CLUSTER_JSON', severity: 'error', pos: at(dir, CLUSTER_JSON, 1, 1), message: `missing or mistyped: ${missing.join(', ')}`, hint: 'cluster.json is written by etcd-backup; take a new backup' });
    return undefined;
  }
  return o as unknown as BackupCluster;
}

/** Every problem of a backup listing; a Backup when there is no error. */
export function checkBackup(listing: BackupListing): { backup?: Backup; problems: Problem[] } {
  const { dir, files, text } = listing;
  const problems: Problem[] = [];
  const missing = (file: string, hint: string) => problems.push({ code: 'BACKUP_MISSING_FILE', severity: 'error', message: `${dir}/${file} is missing`, hint });
  for (const f of META) if (!files.has(f)) missing(f, 'pass the directory etcd-backup wrote (<backupDir>/<cluster>-<run>/), or --param snapshot=F --param snapshotSha256=S for a bare snapshot');
  const sums = text.sums !== undefined ? parseSha256Sums(text.sums, dir, problems) : new Map<string, string>();
  for (const [rel, want] of sums) {
    const got = files.get(rel);
    if (got === undefined) missing(rel, 'SHA256SUMS lists it: the backup is incomplete; copy it again from where etcd-backup wrote it');
    else if (got !== want) problems.push({ code: 'BACKUP_SHA256_MISMATCH', severity: 'error', message: `${dir}/${rel}: sha256 is ${got}, SHA256SUMS says ${want}`, hint: 'the file changed since the backup: copy it again from the original backup' });
  }
  for (const rel of files.keys()) {
    if (!META.includes(rel) && !sums.has(rel) && text.sums !== undefined) problems.push({ code: 'BACKUP_UNLISTED_FILE', severity: 'warning', message: `${dir}/${rel} is not in SHA256SUMS: it is not used`, hint: 'files added to a backup by hand are ignored; list them in SHA256SUMS to use them' });
  }
  const snapSha = /^([0-9a-fA-F]{64})\s/.exec(text.snapshotSha ?? '')?.[1]?.toLowerCase();
  if (text.snapshotSha !== undefined && snapSha === undefined) problems.push({ code: 'BACKUP_BAD_SHA256SUMS', severity: 'error', pos: at(dir, SNAPSHOT_SHA, 1, 1), message: 'not a "<sha256>  snapshot.db" line', hint: 'etcd-backup writes it; take a new backup' });
  const snapGot = files.get(SNAPSHOT);
  if (snapSha !== undefined && snapGot !== undefined && snapSha !== snapGot) problems.push({ code: 'BACKUP_SHA256_MISMATCH', severity: 'error', message: `${dir}/${SNAPSHOT}: sha256 is ${snapGot}, ${SNAPSHOT_SHA} says ${snapSha}`, hint: 'the snapshot is corrupt or was replaced: copy it again from the original backup' });
  const cluster = text.cluster !== undefined ? parseClusterJson(text.cluster, dir, problems) : undefined;
  if (cluster && snapSha !== undefined && HEX.test(cluster.sha256) && cluster.sha256 !== snapSha) problems.push({ code: 'BACKUP_SHA256_MISMATCH', severity: 'error', pos: at(dir, CLUSTER_JSON, 1, 1), message: `cluster.json names snapshot sha256 ${cluster.sha256}, ${SNAPSHOT_SHA} says ${snapSha}`, hint: 'the files come from different backups: use one backup dir as etcd-backup wrote it' });
  if (problems.some((p) => p.severity === 'error') || !cluster || snapSha === undefined) return { problems };
  return { backup: { dir, cluster, snapshotSha256: snapSha, files: [...sums.keys()].sort() }, problems };
}
