/* global process, Buffer, URL */
// kube-apiserver stand-in: HTTPS on --advertise-address:--secure-port with the manifest's serving
// cert. /readyz is 200 only while a linearizable read through the manifest's --etcd-* client
// certs succeeds (as the real etcd readiness check). Also serves what the kubeadm stand-in
// needs: cluster-info (anonymous), bootstrap-token Secrets stored in etcd, and token-authenticated
// "CSR" for join.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { etcdCall, putBody, rangeBody, unb64 } from './etcd-http.js';

process.title = 'kube-apiserver';
const flags = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=?(.*)$/.exec(a);
  return m ? [m[1], m[2]] : [a, ''];
}));
const etcdTls = { ca: readFileSync(flags['etcd-cafile']), cert: readFileSync(flags['etcd-certfile']), key: readFileSync(flags['etcd-keyfile']) };
const etcdServers = String(flags['etcd-servers']).split(',');
const caPem = readFileSync(flags['client-ca-file'], 'utf8');
const address = flags['advertise-address'];
const port = Number(flags['secure-port'] ?? 6443);

const tokenKey = (tokenId) => `/registry/secrets/kube-system/bootstrap-token-${tokenId}`;

async function etcdReady() {
  try {
    await etcdCall(etcdTls, etcdServers, '/v3/kv/range', rangeBody('/registry/health'), 2000);
    return true;
  } catch {
    return false;
  }
}

function send(res, code, body) {
  res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

async function handle(req, res) {
  const url = new URL(req.url, 'https://x');
  if (req.method === 'GET' && ['/readyz', '/livez', '/healthz'].includes(url.pathname)) {
    if (url.pathname === '/livez') return send(res, 200, 'ok');
    return (await etcdReady()) ? send(res, 200, 'ok') : send(res, 500, '[-]etcd failed: reason withheld\nreadyz check failed');
  }
  if (req.method === 'GET' && url.pathname === '/api/v1/namespaces/kube-public/configmaps/cluster-info') {
    const kubeconfig = `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}\n    server: https://${address}:${port}\n  name: ""\nkind: Config\n`;
    return send(res, 200, { kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig } });
  }
  if (!(await etcdReady())) return send(res, 503, { kind: 'Status', status: 'Failure', message: 'etcd is not available', code: 503 });
  if (req.method === 'POST' && url.pathname === '/api/v1/namespaces/kube-system/secrets') {
    if (!req.socket.authorized) return send(res, 401, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    const secret = JSON.parse(await readBody(req));
    const data = secret.stringData ?? {};
    if (!/^[a-z0-9]{6}$/.test(data['token-id'] ?? '')) return send(res, 422, { kind: 'Status', message: 'invalid token-id', code: 422 });
    await etcdCall(etcdTls, etcdServers, '/v3/kv/put', putBody(tokenKey(data['token-id']), JSON.stringify(secret)));
    return send(res, 201, { kind: 'Secret', metadata: secret.metadata });
  }
  if (req.method === 'POST' && url.pathname === '/apis/certificates.k8s.io/v1/certificatesigningrequests') {
    const m = /^Bearer ([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(req.headers.authorization ?? '');
    const unauthorized = () => send(res, 401, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    if (!m) return unauthorized();
    const r = await etcdCall(etcdTls, etcdServers, '/v3/kv/range', rangeBody(tokenKey(m[1])));
    const kv = r.kvs?.[0];
    if (!kv) return unauthorized();
    const data = JSON.parse(unb64(kv.value)).stringData ?? {};
    if (data['token-secret'] !== m[2] || (data.expiration && Date.parse(data.expiration) < Date.now())) return unauthorized();
    return send(res, 201, { kind: 'CertificateSigningRequest', status: { conditions: [{ type: 'Approved' }] } });
  }
  return send(res, 404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
}

const server = createServer({
  cert: readFileSync(flags['tls-cert-file']), key: readFileSync(flags['tls-private-key-file']),
  ca: caPem, requestCert: true, rejectUnauthorized: false,
}, (req, res) => {
  handle(req, res).catch((e) => send(res, 500, { kind: 'Status', status: 'Failure', message: String(e.message), code: 500 }));
});
server.listen(port, address, () => process.stdout.write(`kube-apiserver stand-in listening on ${address}:${port}\n`));
process.on('SIGTERM', () => process.exit(0));
