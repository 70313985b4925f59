/* global Buffer, URL */
// Minimal etcd v3 JSON-gateway client for the in-node stand-ins (apiserver): TLS with client
// certificates, base64 keys/values as the gateway wants them.
import { request } from 'node:https';

const b64 = (s) => Buffer.from(s).toString('base64');
export const unb64 = (s) => Buffer.from(s ?? '', 'base64').toString();

/** POST a gateway call to the first endpoint that answers; rejects when none does. */
export async function etcdCall(tls, endpoints, path, body, timeoutMs = 2000) {
  let last;
  for (const ep of endpoints) {
    try {
      return await post(tls, new URL(path, ep), body, timeoutMs);
    } catch (e) {
      last = e;
    }
  }
  throw last ?? new Error('no etcd endpoints');
}

function post(tls, url, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ...tls, timeout: timeoutMs, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`etcd ${url.pathname}: HTTP ${res.statusCode} ${text}`));
        try { resolve(JSON.parse(text)); } catch (e) { reject(e); }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`etcd ${url.host} timed out`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export const rangeBody = (key) => ({ key: b64(key) });
export const putBody = (key, value) => ({ key: b64(key), value: b64(value) });
