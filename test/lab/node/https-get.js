/* global Buffer */
// Tiny HTTPS client for the kubeadm stand-in (talks to the apiserver stand-in).
import { request } from 'node:https';

export function httpsCall(url, { method = 'GET', body, headers = {}, ...tls } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: 5000, headers: { 'content-type': 'application/json', ...headers }, ...tls }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
