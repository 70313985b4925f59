// The upload/download scripts a node runs, run here with the local /bin/sh and the real
// coreutils/openssl (no SSH needed to check what they leave on disk): the receiver keeps only a
// complete file, the check refuses a wrong digest without touching the destination, and the
// node's hash falls back to sha256sum when openssl does not answer.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FINALIZE_UPLOAD, HASH_FILE, RECEIVE_AND_FINALIZE, RECEIVE_UPLOAD, script } from '../../src/transport/transfer-scripts.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-scripts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
let n = 0;
const box = (): string => {
  const d = join(dir, `b${n++}`);
  mkdirSync(d);
  return d;
};

/** Runs the command line as a node's login shell would, with `input` as stdin. */
function sh(line: string, input: Buffer | string = '', env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', line], { input, env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A PATH whose openssl fails (exit 127, as when it is not installed), everything else real. */
function pathWithoutOpenssl(): string {
  const bin = join(dir, 'no-openssl');
  if (!existsSync(bin)) {
    mkdirSync(bin);
    writeFileSync(join(bin, 'openssl'), '#!/bin/sh\nexit 127\n');
    chmodSync(join(bin, 'openssl'), 0o755);
  }
  return `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
}

describe('RECEIVE_UPLOAD', () => {
  it('writes exactly the announced bytes to the temp file, mode 0600', () => {
    const b = box();
    const data = randomBytes(300_000);
    const r = sh(script(RECEIVE_UPLOAD, [join(b, 't'), String(data.length)]), data);
    expect(r.status).toBe(0);
    expect(readFileSync(join(b, 't')).equals(data)).toBe(true);
    expect(statSync(join(b, 't')).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['fewer (sender aborted or lost: EOF early)', 1000, 999],
    ['more', 1000, 1001],
  ])('removes its temp file and exits 5 when it gets %s bytes than announced', (_, announced, sent) => {
    const b = box();
    const r = sh(script(RECEIVE_UPLOAD, [join(b, 't'), String(announced)]), randomBytes(sent));
    expect(r).toMatchObject({ status: 5, stderr: `received ${sent} of ${announced} bytes\n` });
    expect(readdirSync(b)).toEqual([]);
  });

  it('exits 4 when the temp file cannot be created', () => {
    const r = sh(script(RECEIVE_UPLOAD, [join(dir, 'missing', 't'), '1']), 'x');
    expect(r.status).toBe(4);
  });
});

describe('FINALIZE_UPLOAD', () => {
  const args = (b: string, digest: string, mode = ''): string[] => [join(b, 't'), '8', digest, join(b, 'dest'), mode];

  it('renames a matching file into place with the mode', () => {
    const b = box();
    writeFileSync(join(b, 't'), 'contents');
    expect(sh(script(FINALIZE_UPLOAD, args(b, sha('contents'), '640'))).status).toBe(0);
    expect(readdirSync(b)).toEqual(['dest']);
    expect(statSync(join(b, 'dest')).mode & 0o777).toBe(0o640);
  });

  it.each([
    ['openssl', process.env['PATH'] ?? ''],
    ['sha256sum (openssl not answering)', pathWithoutOpenssl()],
  ])('refuses a wrong expected digest (hashing with %s): exit 3, node digest printed, temp removed, destination untouched', (_, PATH) => {
    const b = box();
    writeFileSync(join(b, 't'), 'contents');
    writeFileSync(join(b, 'dest'), 'original');
    const r = sh(script(FINALIZE_UPLOAD, args(b, sha('other contents'))), '', { ...process.env, PATH });
    expect(r).toMatchObject({ status: 3, stdout: sha('contents') });
    expect(readdirSync(b)).toEqual(['dest']);
    expect(readFileSync(join(b, 'dest'), 'utf8')).toBe('original');
  });

  it('accepts the right digest through the sha256sum fallback too', () => {
    const b = box();
    writeFileSync(join(b, 't'), 'contents');
    expect(sh(script(FINALIZE_UPLOAD, args(b, sha('contents'))), '', { ...process.env, PATH: pathWithoutOpenssl() }).status).toBe(0);
    expect(readFileSync(join(b, 'dest'), 'utf8')).toBe('contents');
  });

  it('exits 4 (temp removed) when the destination is a directory, instead of moving the file into it', () => {
    const b = box();
    writeFileSync(join(b, 't'), 'contents');
    mkdirSync(join(b, 'dest'));
    const r = sh(script(FINALIZE_UPLOAD, args(b, sha('contents'))));
    expect(r).toMatchObject({ status: 4, stderr: `${join(b, 'dest')} is a directory\n` });
    expect(readdirSync(b)).toEqual(['dest']);
    expect(readdirSync(join(b, 'dest'))).toEqual([]);
  });
});

describe('RECEIVE_AND_FINALIZE (small files: one command)', () => {
  it('receives, checks and renames; a wrong digest leaves only the old destination', () => {
    const b = box();
    const data = randomBytes(70_000);
    writeFileSync(join(b, 'dest'), 'original');
    const wrong = sh(script(RECEIVE_AND_FINALIZE, [join(b, 't'), String(data.length), sha('x'), join(b, 'dest'), '']), data);
    expect(wrong).toMatchObject({ status: 3, stdout: sha(data) });
    expect(readFileSync(join(b, 'dest'), 'utf8')).toBe('original');
    const right = sh(script(RECEIVE_AND_FINALIZE, [join(b, 't'), String(data.length), sha(data), join(b, 'dest'), '600']), data);
    expect(right.status).toBe(0);
    expect(readFileSync(join(b, 'dest')).equals(data)).toBe(true);
    expect(readdirSync(b)).toEqual(['dest']);
  });

  it('a short stream never reaches the check: exit 5, destination untouched', () => {
    const b = box();
    writeFileSync(join(b, 'dest'), 'original');
    const r = sh(script(RECEIVE_AND_FINALIZE, [join(b, 't'), '10', sha('0123456789'), join(b, 'dest'), '']), '01234');
    expect(r.status).toBe(5);
    expect(readdirSync(b)).toEqual(['dest']);
  });
});

describe('HASH_FILE', () => {
  it('prints the sha256 with openssl and with the sha256sum fallback; exit 4 for a missing file', () => {
    const b = box();
    const data = randomBytes(1_000_000);
    writeFileSync(join(b, 'f'), data);
    expect(sh(script(HASH_FILE, [join(b, 'f')])).stdout).toBe(sha(data));
    expect(sh(script(HASH_FILE, [join(b, 'f')]), '', { ...process.env, PATH: pathWithoutOpenssl() }).stdout).toBe(sha(data));
    expect(sh(script(HASH_FILE, [join(b, 'nope')])).status).toBe(4);
  });
});
