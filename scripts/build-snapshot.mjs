#!/usr/bin/env node
/* global process, URL */
// Builds the start-up snapshot bin/kubedr starts plan, validate, help and --version from:
// dist/snapshot/kubedr.blob, from dist/snapshot/kubedr.cjs (scripts/bundle-cli.ts), for the node
// binary that runs this script. Run by `npm run build` and after `npm install` of the package
// (postinstall), since a blob only works with the node binary that built it.
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
const script = join(dir, 'kubedr.cjs');
const blob = join(dir, 'kubedr.blob');
const idFile = join(dir, 'node-id');

/** device:inode:size:mtime-seconds of a file, as GNU `stat -L -c %d:%i:%s:%Y` prints it. */
export function fileIdentity(path) {
  const st = statSync(path, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs / 1_000_000_000n}`;
}

function giveUp(why) {
  rmSync(blob, { force: true });
  rmSync(idFile, { force: true });
  process.stderr.write(`kubedr: no start-up snapshot (${why}); kubedr works the same, only starts slower\n`);
}

function buildSnapshot() {
  // Nothing to build from: a checkout before `npm run build`.
  if (!existsSync(script)) return;
  rmSync(idFile, { force: true });
  const flags = readFileSync(join(dir, 'v8-flags'), 'utf8').trim().split(/\s+/).filter(Boolean);
  const partial = `${blob}.partial`;
  const built = spawnSync(process.execPath, [...flags, '--snapshot-blob', partial, '--build-snapshot', script], {
    cwd: dir,
    env: { ...process.env, KUBEDR_SNAPSHOT_ROOT: root, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (built.status !== 0) return giveUp(`node --build-snapshot exited ${built.status ?? built.signal}: ${(built.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  renameSync(partial, blob);
  // The blob must start and answer as the package does before bin/kubedr may use it.
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const check = spawnSync(process.execPath, [...flags, '--snapshot-blob', blob, '--', '--version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
  if (check.status !== 0 || check.stdout.trim() !== version) return giveUp(`the built snapshot answered ${JSON.stringify(check.stdout.trim())} (exit ${check.status}) to --version, not ${version}`);
  writeFileSync(idFile, `${fileIdentity(process.execPath)}\n${flags.join(' ')}\n`);
}

buildSnapshot();
