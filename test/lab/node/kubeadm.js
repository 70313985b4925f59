/* global process, Buffer, URL */
// kubeadm stand-in: the subcommands a DR runbook uses. `token create` stores a bootstrap token
// through the apiserver in etcd (so restoring an older snapshot loses newer tokens, as for
// real); `join` checks preflight files, the CA pin and the token against a ready apiserver;
// `reset -f` clears the node. Tokens are never printed in errors, only their id (like kubeadm).
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { httpsCall } from './https-get.js';

const cfg = JSON.parse(readFileSync(process.env.KUBEDR_LAB_NODE, 'utf8'));
const [cmd, ...rest] = process.argv.slice(2);

function fail(msg, code = 1) {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

/** --flag=value, --flag value and bare positionals. */
function parseArgs(args) {
  const flags = {};
  const pos = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) { pos.push(a); continue; }
    const [k, v] = a.replace(/^--?/, '').split(/=(.*)/s);
    if (v !== undefined) flags[k] = v;
    else if (['f', 'force', 'print-join-command', 'control-plane'].includes(k)) flags[k] = true;
    else flags[k] = args[++i] ?? '';
  }
  return { flags, pos };
}

const caHash = (pem) => `sha256:${createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;
const rand = (n) => Array.from(randomBytes(n), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

function parseDuration(s) {
  const m = /^(\d+)(h|m|s)$/.exec(s ?? '24h');
  if (!m) fail(`invalid --ttl ${s}`);
  return Number(m[1]) * { h: 3600e3, m: 60e3, s: 1e3 }[m[2]];
}

async function tokenCreate({ flags }) {
  const adminConf = '/etc/kubernetes/admin.conf';
  if (!existsSync(adminConf)) fail(`failed to load admin kubeconfig: open ${adminConf}: no such file or directory`);
  const kc = parse(readFileSync(adminConf, 'utf8'));
  const server = kc.clusters[0].cluster.server;
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
  const user = kc.users[0].user;
  const tls = { ca, cert: Buffer.from(user['client-certificate-data'], 'base64'), key: Buffer.from(user['client-key-data'], 'base64') };
  const ready = await httpsCall(`${server}/readyz`, tls).catch((e) => ({ status: 0, text: e.message }));
  if (ready.status !== 200) fail(`timed out waiting for the condition: the API server at ${server} is not ready`);
  const id = rand(6);
  const secret = rand(16);
  const expiration = new Date(Date.now() + parseDuration(flags.ttl)).toISOString();
  const body = {
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    stringData: { 'token-id': id, 'token-secret': secret, expiration, 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true' },
  };
  const r = await httpsCall(`${server}/api/v1/namespaces/kube-system/secrets`, { ...tls, method: 'POST', body });
  if (r.status !== 201) fail(`failed to create bootstrap token with id "${id}": HTTP ${r.status}`);
  const token = `${id}.${secret}`;
  if (flags['print-join-command']) {
    process.stdout.write(`kubeadm join ${new URL(server).host} --token ${token} --discovery-token-ca-cert-hash ${caHash(ca)} \n`);
  } else {
    process.stdout.write(`${token}\n`);
  }
}

async function join_({ flags, pos }) {
  if (flags['control-plane']) fail('the lab kubeadm stand-in joins workers only');
  const endpoint = pos[0];
  if (!endpoint) fail('kubeadm join: the API server endpoint is required');
  const ignored = String(flags['ignore-preflight-errors'] ?? '').toLowerCase().split(',').filter(Boolean);
  const errors = [
    ['FileAvailable--etc-kubernetes-kubelet.conf', '/etc/kubernetes/kubelet.conf'],
    ['FileAvailable--etc-kubernetes-pki-ca.crt', '/etc/kubernetes/pki/ca.crt'],
  ].filter(([name, file]) => existsSync(file) && !ignored.includes('all') && !ignored.includes(name.toLowerCase()));
  if (errors.length) {
    fail(`[preflight] Running pre-flight checks\nerror execution phase preflight: [preflight] Some fatal errors occurred:\n${errors.map(([n, f]) => `\t[ERROR ${n}]: ${f} already exists`).join('\n')}\n[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\``);
  }
  const token = String(flags.token ?? '');
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(token);
  if (!m) fail('[discovery] the bootstrap token has an invalid format (want [a-z0-9]{6}.[a-z0-9]{16})');
  const pin = String(flags['discovery-token-ca-cert-hash'] ?? '');
  if (!pin) fail('[discovery] --discovery-token-ca-cert-hash is required (or --discovery-token-unsafe-skip-ca-verification)');
  const base = `https://${endpoint}`;
  const info = await httpsCall(`${base}/api/v1/namespaces/kube-public/configmaps/cluster-info`, { rejectUnauthorized: false }).catch((e) => fail(`[discovery] failed to request the cluster-info ConfigMap: ${e.message}`));
  if (info.status !== 200) fail(`[discovery] failed to request the cluster-info ConfigMap: HTTP ${info.status}`);
  const kc = parse(JSON.parse(info.text).data.kubeconfig);
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
  const actual = caHash(ca);
  if (actual !== pin) fail(`[discovery] cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${actual}" are pinned`);
  const csr = await httpsCall(`${base}/apis/certificates.k8s.io/v1/certificatesigningrequests`, { ca, method: 'POST', body: {}, headers: { authorization: `Bearer ${token}` } })
    .catch((e) => fail(`[kubelet-start] could not reach the API server: ${e.message}`));
  if (csr.status === 401) fail(`error execution phase kubelet-start: the token id "${m[1]}" is invalid for this cluster or it has expired`);
  if (csr.status !== 201) fail(`error execution phase kubelet-start: the API server at ${base} is not ready (HTTP ${csr.status})`);
  mkdirSync('/etc/kubernetes/pki', { recursive: true });
  writeFileSync('/etc/kubernetes/pki/ca.crt', ca);
  writeFileSync('/etc/kubernetes/kubelet.conf', `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: /etc/kubernetes/pki/ca.crt\n    server: ${base}\n  name: default-cluster\ncontexts:\n- context:\n    cluster: default-cluster\n    user: default-auth\n  name: default-context\ncurrent-context: default-context\nkind: Config\nusers:\n- name: default-auth\n  user:\n    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n`);
  mkdirSync('/var/lib/kubelet', { recursive: true });
  writeFileSync('/var/lib/kubelet/kubedr-lab-joined.json', JSON.stringify({ joinedAt: new Date().toISOString(), server: base }));
  process.stdout.write(`This node has joined the cluster:\n* Certificate signing request was sent to apiserver and a response was received.\n* The Kubelet was informed of the new secure connection details.\n`);
}

function reset({ flags }) {
  if (!flags.f && !flags.force) fail('[reset] the lab stand-in is non-interactive: use kubeadm reset -f');
  const clear = (dir) => { if (existsSync(dir)) for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true }); };
  for (const f of ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'bootstrap-kubelet.conf', 'controller-manager.conf', 'scheduler.conf']) {
    rmSync(join('/etc/kubernetes', f), { force: true });
  }
  clear('/etc/kubernetes/manifests');
  clear('/etc/kubernetes/pki');
  clear('/var/lib/kubelet');
  if (cfg.roles.includes('control-plane')) clear('/var/lib/etcd');
  process.stdout.write(`[reset] Deleted contents of /etc/kubernetes and /var/lib/kubelet${cfg.roles.includes('control-plane') ? ' and the etcd data directory' : ''}\n`);
}

const args = parseArgs(rest);
if (cmd === 'token' && args.pos[0] === 'create') await tokenCreate(args);
else if (cmd === 'join') await join_(args);
else if (cmd === 'reset') reset(args);
else if (cmd === 'version') process.stdout.write('kubeadm version: &version.Info{Major:"1", Minor:"30", GitVersion:"v1.30.0-kubedr-lab"}\n');
else fail(`kubeadm (lab stand-in): unsupported command "${[cmd, ...rest].join(' ')}"; supported: token create, join, reset -f, version`);
