// The sha256 of a local file, computed once per file version for all the nodes it goes to
// (a snapshot sent to three nodes is hashed once, not three times); a big file on a worker
// thread, so that the main thread keeps feeding the SSH channels meanwhile. The digest is only the expectation:
// each node hashes the bytes it holds and refuses the file unless they match, so a digest that
// no longer fits the file (changed during the upload) makes the upload fail, never pass.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

export interface FileDigest {
  sha256: string;
  bytes: number;
}

// Plain CommonJS in eval mode: no module path to resolve, the same under tsx, vitest and dist/.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const fd = openSync(workerData.path, 'r');
try {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  for (let n; (n = readSync(fd, buf, 0, buf.length, bytes)) > 0; bytes += n) hash.update(n === buf.length ? buf : buf.subarray(0, n));
  parentPort.postMessage({ sha256: hash.digest('hex'), bytes });
} finally {
  closeSync(fd);
}
`;

/** Below this size a worker's start-up (tens of ms) costs more than hashing here. */
const ON_WORKER = 32 * 1024 * 1024;

/** Hashes `path`: on a worker thread from `workerFrom` bytes on (its size when asked). */
export async function hashFile(path: string, workerFrom = ON_WORKER): Promise<FileDigest> {
  const fh = await open(path, 'r');
  try {
    if ((await fh.stat()).size >= workerFrom) return await hashOnWorker(path);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (let n; (n = (await fh.read(buf, 0, buf.length, bytes)).bytesRead) > 0; bytes += n) hash.update(buf.subarray(0, n));
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await fh.close();
  }
}

function hashOnWorker(path: string): Promise<FileDigest> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { path } });
    let result: FileDigest | undefined;
    w.once('message', (m: FileDigest) => (result = m));
    w.once('error', reject);
    w.once('exit', (code) => (result ? resolve(result) : reject(new Error(`hashing ${path} stopped (worker exit ${code})`))));
  });
}

/** Identity of a file version: a write changes ctime, a replacement changes the inode. */
async function versionOf(path: string): Promise<string> {
  const s = await stat(path, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** Remembers the digests of the last few file versions hashed. */
export class FileDigests {
  private readonly known = new Map<string, Promise<FileDigest>>();

  constructor(private readonly keep = 16) {}

  async of(path: string): Promise<FileDigest> {
    const key = `${path}\0${await versionOf(path)}`;
    let p = this.known.get(key);
    if (!p) {
      p = hashFile(path).then(async (d) => {
        // Changed while we read it: this digest may fit neither version; do not keep it.
        if ((await versionOf(path).catch(() => '')) !== key.slice(path.length + 1)) this.known.delete(key);
        return d;
      });
      p.catch(() => this.known.delete(key));
      this.known.set(key, p);
      while (this.known.size > this.keep) this.known.delete(this.known.keys().next().value as string);
    }
    return p;
  }
}
