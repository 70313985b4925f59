// PKI laid out like kubeadm's (/etc/kubernetes/pki), generated with openssl: EC P-256 keys and
// `req -x509 -CA` signing, one process per certificate, so a whole lab's PKI takes well under 1 s.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { runOk } from './proc.js';

export interface PkiNode {
  name: string;
  address: string;
}

export interface Leaf {
  ca: 'ca' | 'etcd/ca';
  file: string;
  subject: string;
  sans?: string[];
  usage: 'server' | 'client' | 'both';
}

const EKU = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' } as const;

export async function makeCa(dir: string, name: 'ca' | 'etcd/ca', cn: string, cnf: string): Promise<void> {
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  await runOk('openssl', [
    'req', '-config', cnf, '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`), '-days', '3650', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
}

export async function makeLeaf(caDir: string, outDir: string, leaf: Leaf, cnf: string): Promise<void> {
  mkdirSync(dirname(join(outDir, leaf.file)), { recursive: true });
  const args = [
    'req', '-config', cnf, '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', join(outDir, `${leaf.file}.key`), '-out', join(outDir, `${leaf.file}.crt`), '-days', '365', '-subj', leaf.subject,
    '-CA', join(caDir, `${leaf.ca}.crt`), '-CAkey', join(caDir, `${leaf.ca}.key`),
    '-addext', `extendedKeyUsage=${EKU[leaf.usage]}`, '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
  ];
  if (leaf.sans) args.push('-addext', `subjectAltName=${leaf.sans.join(',')}`);
  await runOk('openssl', args);
}

function nodeSans(n: PkiNode): string[] {
  return [`DNS:${n.name}`, 'DNS:localhost', `IP:${n.address}`, 'IP:127.0.0.1'];
}

/**
 * Generate the shared CAs and client certs into `shared`, and each control-plane node's serving
 * certs into `<perNode(name)>`. Same CAs on every node, as kubeadm's `--upload-certs` gives.
 */
export async function generatePki(shared: string, nodes: PkiNode[], perNode: (name: string) => string): Promise<void> {
  mkdirSync(shared, { recursive: true });
  const cnf = join(shared, 'openssl.cnf');
  writeFileSync(cnf, '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=kubedr-lab\n');
  await Promise.all([makeCa(shared, 'ca', 'kubernetes', cnf), makeCa(shared, 'etcd/ca', 'etcd-ca', cnf)]);
  const limit = pLimit(4);
  const jobs: Promise<void>[] = [
    { ca: 'etcd/ca', file: 'etcd/healthcheck-client', subject: '/O=system:masters/CN=kube-etcd-healthcheck-client', usage: 'client' } as const,
    { ca: 'etcd/ca', file: 'apiserver-etcd-client', subject: '/O=system:masters/CN=kube-apiserver-etcd-client', usage: 'client' } as const,
    { ca: 'ca', file: 'admin', subject: '/O=system:masters/CN=kubernetes-admin', usage: 'client' } as const,
  ].map((leaf) => limit(() => makeLeaf(shared, shared, leaf, cnf)));
  for (const n of nodes) {
    const out = perNode(n.name);
    const leaves: Leaf[] = [
      { ca: 'etcd/ca', file: 'etcd/server', subject: `/CN=${n.name}`, sans: nodeSans(n), usage: 'both' },
      { ca: 'etcd/ca', file: 'etcd/peer', subject: `/CN=${n.name}`, sans: nodeSans(n), usage: 'both' },
      {
        ca: 'ca', file: 'apiserver', subject: '/CN=kube-apiserver', usage: 'server',
        sans: [...nodeSans(n), 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc'],
      },
    ];
    for (const leaf of leaves) jobs.push(limit(() => makeLeaf(shared, out, leaf, cnf)));
  }
  await Promise.all(jobs);
}

/** kubeadm's discovery hash: sha256 of the CA certificate's DER SubjectPublicKeyInfo. */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

export function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}
