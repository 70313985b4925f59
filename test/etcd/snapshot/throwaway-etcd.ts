// A throwaway single-member etcd 3.4 (/usr/bin/etcd) for lab tests, fixtures and the bench:
// random 127.0.0.0/8 address and ports (concurrent developers must not collide), temp data
// dir, writes through the gRPC gateway (binary-safe, no etcdctl per key), stopped by PID.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface EtcdStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

export interface ThrowawayEtcd {
  readonly endpoint: string;
  readonly dir: string;
  put(key: string, value: Buffer | string): Promise<number>;
  del(key: string): Promise<number>;
  compact(revision: number): Promise<void>;
  /** `etcdctl snapshot save` into `file`. */
  save(file: string): Promise<void>;
  /** Live keys as `etcdctl get "" --prefix --keys-only` lists them. */
  keys(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts etcd and waits until it answers; `quotaBytes` raises the backend quota for big benches
 * (etcd 3.4 takes a quota above its recommended 8 GiB with a warning, it does not cap it);
 * `snapshotCount` lets etcd purge its WAL early, so a multi-GiB bench db is not written twice
 * to the disk (etcd keeps every WAL file until its first snapshot, 100,000 entries by default);
 * `parentDir` holds the temp data dir (default the temp dir): a tmpfs such as /dev/shm spares a
 * bench's multi-GiB fill the disk's fsyncs. The data dir is removed by `stop`.
 */
export async function startEtcd(opts: { quotaBytes?: number; snapshotCount?: number; parentDir?: string } = {}): Promise<ThrowawayEtcd> {
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'kubedr-etcd-'));
  const ip = `127.${rand(20, 250)}.${rand(0, 255)}.${rand(1, 254)}`;
  const client = `http://${ip}:${rand(20000, 40000)}`;
  const peer = `http://${ip}:${rand(40001, 60000)}`;
  const args = [
    '--name', 'lab', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `lab=${peer}`,
    '--quota-backend-bytes', String(opts.quotaBytes ?? 2 * 1024 ** 3), '--log-level', 'error',
    ...(opts.snapshotCount === undefined ? [] : ['--snapshot-count', String(opts.snapshotCount)]),
  ];
  const child = spawn('/usr/bin/etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = () => stopChild(child, dir);
  try {
    await waitHealthy(client, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  const etcdctl = (...a: string[]) => run('/usr/bin/etcdctl', ['--endpoints', client, ...a], { env: { ...process.env, ETCDCTL_API: '3' }, maxBuffer: 64 << 20 });
  return {
    endpoint: client,
    dir,
    put: async (key, value) => revisionOf(await gateway(client, 'kv/put', { key: b64(key), value: b64(value) })),
    del: async (key) => revisionOf(await gateway(client, 'kv/deleterange', { key: b64(key) })),
    compact: async (revision) => void (await gateway(client, 'kv/compaction', { revision: String(revision), physical: true })),
    save: async (file) => void (await etcdctl('snapshot', 'save', file)),
    keys: async () => {
      const { stdout } = await etcdctl('get', '', '--prefix', '--keys-only', '--write-out=json');
      const kvs = (JSON.parse(stdout) as { kvs?: { key: string }[] }).kvs ?? [];
      return kvs.map((kv) => Buffer.from(kv.key, 'base64').toString('utf8'));
    },
    stop,
  };
}

/** `etcdctl --write-out=json snapshot status FILE` (needs no server). */
export async function etcdctlStatus(file: string): Promise<EtcdStatus> {
  const { stdout } = await run('/usr/bin/etcdctl', ['--write-out=json', 'snapshot', 'status', file], { env: { ...process.env, ETCDCTL_API: '3' } });
  return JSON.parse(stdout) as EtcdStatus;
}

async function gateway(client: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${client}/v3/${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function revisionOf(reply: Record<string, unknown>): number {
  return Number((reply.header as { revision?: string } | undefined)?.revision ?? 0);
}

async function waitHealthy(client: string, child: ChildProcess, log: () => string): Promise<void> {
  // No deadline of our own: a loaded machine starts etcd slowly; the caller's hook timeout bounds it.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${log()}`);
    try {
      const res = await fetch(`${client}/health`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.pid !== undefined) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}

function b64(v: Buffer | string): string {
  return Buffer.from(v).toString('base64');
}

function rand(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}
