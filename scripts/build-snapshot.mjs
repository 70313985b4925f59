#!/usr/bin/env node
/* global process, URL */
// Builds the start-up snapshots bin/kubedr starts plan and validate (dist/snapshot/kubedr.blob)
// and help and --version (help.blob) from, out of dist/snapshot/kubedr.cjs and help.cjs
// (scripts/bundle-cli.ts), for the node binary that runs this script. Run by `npm run build` and
// after `npm install` of the package (postinstall): a blob only works with the node that built it.
//
// dist/snapshot/node-id records which binary that is (device:inode:size:mtime, as `stat -L -c
// %d:%i:%s:%Y` prints them) and the V8 flags it was built with; bin/kubedr uses the blob only
// when the `node` on the PATH is that same file, and starts everything else from bin/kubedr.js.
// Without a blob (not built, or this failed) kubedr works the same, only starts slower: this
// script never fails an install.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'dist', 'snapshot');
const SNAPSHOTS = [['kubedr.cjs', 'kubedr.blob'], ['help.cjs', 'help.blob']].map(([script, blob]) => ({ script: join(dir, script), blob: join(dir, blob) }));
const idFile = join(dir, 'node-id');

/** device:inode:size:mtime-seconds of a file, as GNU `stat -L -c %d:%i:%s:%Y` prints it. */
export function fileIdentity(path) {
  const st = statSync(path, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs / 1_000_000_000n}`;
}

function giveUp(why) {
  for (const { blob } of SNAPSHOTS) rmSync(blob, { force: true });
  rmSync(idFile, { force: true });
  process.stderr.write(`kubedr: no start-up snapshot (${why}); kubedr works the same, only starts slower\n`);
}

/** Builds one blob and checks that it starts; returns why not, or undefined. */
function build(script, blob, flags, version) {
  const partial = `${blob}.partial`;
  const built = spawnSync(process.execPath, [...flags, '--snapshot-blob', partial, '--build-snapshot', script], {
    cwd: dir,
    env: { ...process.env, KUBEDR_SNAPSHOT_ROOT: root, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (built.status !== 0) {
    rmSync(partial, { force: true });
    return `node --build-snapshot exited ${built.status ?? built.signal}: ${(built.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  }
  renameSync(partial, blob);
  // The blob must start and answer as the package does before bin/kubedr may use it.
  const check = spawnSync(process.execPath, [...flags, '--snapshot-blob', blob, '--', '--version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
  if (check.status !== 0 || check.stdout.trim() !== version) return `${blob} answered ${JSON.stringify(check.stdout.trim())} (exit ${check.status}) to --version, not ${version}`;
  return undefined;
}

function buildSnapshot() {
  // Nothing to build from: a checkout before `npm run build`.
  if (!SNAPSHOTS.every(({ script }) => existsSync(script))) return;
  rmSync(idFile, { force: true });
  const flags = readFileSync(join(dir, 'v8-flags'), 'utf8').trim().split(/\s+/).filter(Boolean);
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  for (const { script, blob } of SNAPSHOTS) {
    const why = build(script, blob, flags, version);
    if (why !== undefined) return giveUp(why);
  }
  writeFileSync(idFile, `${fileIdentity(process.execPath)}\n${flags.join(' ')}\n`);
}

buildSnapshot();
