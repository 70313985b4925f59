// Host-side etcd v3 client over the JSON gateway: HTTPS with client certs and keep-alive, so
// seeding thousands of keys is a few dozen requests (txn batches), not one process per key.
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';

export interface EtcdTlsFiles {
  cacert: string;
  cert: string;
  key: string;
}

export interface EtcdKv {
  key: string;
  value: string;
}

export interface EtcdMemberInfo {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

interface Header {
  cluster_id?: string;
  member_id?: string;
  revision?: string;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString();

/** The gateway's range_end for "every key with this prefix". */
function prefixEnd(prefix: string): string {
  const buf = Buffer.from(prefix);
  buf[buf.length - 1] = (buf[buf.length - 1] ?? 0) + 1;
  return buf.toString('base64');
}

export class EtcdClient {
  private readonly agent: Agent;

  constructor(tls: EtcdTlsFiles) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 4,
      ca: readFileSync(tls.cacert),
      cert: readFileSync(tls.cert),
      key: readFileSync(tls.key),
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /** POST one gateway call to `endpoint` (https://addr:2379). */
  call<T>(endpoint: string, path: string, body: unknown, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, endpoint), { method: 'POST', agent: this.agent, timeout: timeoutMs, headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) return reject(new Error(`etcd ${endpoint}${path}: HTTP ${res.statusCode} ${text.trim()}`));
          try {
            resolve(JSON.parse(text) as T);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`etcd ${endpoint}${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  /** Put many keys with one txn per `batch` keys (etcd allows 128 ops per txn by default). */
  async putMany(endpoint: string, kvs: EtcdKv[], batch = 100): Promise<void> {
    for (let i = 0; i < kvs.length; i += batch) {
      const success = kvs.slice(i, i + batch).map((kv) => ({ request_put: { key: b64(kv.key), value: b64(kv.value) } }));
      await this.call(endpoint, '/v3/kv/txn', { success });
    }
  }

  async rangePrefix(endpoint: string, prefix: string, timeoutMs = 3000): Promise<EtcdKv[]> {
    const r = await this.call<{ kvs?: { key: string; value?: string }[] }>(endpoint, '/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) }, timeoutMs);
    return (r.kvs ?? []).map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value) }));
  }

  async countPrefix(endpoint: string, prefix: string, timeoutMs = 3000): Promise<number> {
    const r = await this.call<{ count?: string }>(endpoint, '/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix), count_only: true }, timeoutMs);
    return Number(r.count ?? 0);
  }

  async memberList(endpoint: string): Promise<{ header: Header; members: EtcdMemberInfo[] }> {
    const r = await this.call<{ header: Header; members?: Partial<EtcdMemberInfo & { ID: string }>[] }>(endpoint, '/v3/cluster/member/list', {});
    const members = (r.members ?? []).map((m) => ({
      id: String(m.ID ?? ''),
      name: m.name ?? '',
      peerURLs: m.peerURLs ?? [],
      clientURLs: m.clientURLs ?? [],
      isLearner: m.isLearner ?? false,
    }));
    return { header: r.header, members };
  }

  /** Maintenance status of the member behind `endpoint` (its own view: leader, raft index). */
  status(endpoint: string, timeoutMs = 2000): Promise<{ header: Header; leader?: string; raftIndex?: string; errors?: string[] }> {
    return this.call(endpoint, '/v3/maintenance/status', {}, timeoutMs);
  }
}
