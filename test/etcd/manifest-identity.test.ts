import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readFlag } from '../../src/etcd/manifest.js';
import { unifiedDiff } from '../../src/etcd/manifest-diff.js';
import { rebuildManifest, substituteHosts, type MemberIdentity } from '../../src/etcd/manifest-identity.js';

const fixture = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const ETCD = fixture('kubeadm-etcd-cp1.yaml');
const APISERVER = fixture('kubeadm-apiserver-cp1.yaml');

// Member names differ from node names: using the node name where the member name belongs fails.
const member = (n: number): MemberIdentity => ({
  node: `cp${n}`,
  address: `10.0.0.1${n}`,
  etcdName: `etcd-cp${n}`,
  peerURL: `https://10.0.0.1${n}:2380`,
  clientURL: `https://10.0.0.1${n}:2379`,
});

describe('rebuildManifest: etcd.yaml', () => {
  const out = rebuildManifest(ETCD, member(1), member(2), 'cp1:/etc/kubernetes/manifests/etcd.yaml');
  const pod = parse(out.text) as { metadata: { annotations: Record<string, string> }; spec: { containers: { livenessProbe: { httpGet: { host: string } }; startupProbe: { httpGet: { host: string } } }[] } };

  it('substitutes the member name, every URL flag, probe hosts and the annotation', () => {
    expect(readFlag(out.text, 'name')).toBe('etcd-cp2');
    expect(readFlag(out.text, 'advertise-client-urls')).toBe('https://10.0.0.12:2379');
    expect(readFlag(out.text, 'initial-advertise-peer-urls')).toBe('https://10.0.0.12:2380');
    expect(readFlag(out.text, 'listen-client-urls')).toBe('https://127.0.0.1:2379,https://10.0.0.12:2379');
    expect(readFlag(out.text, 'listen-peer-urls')).toBe('https://10.0.0.12:2380');
    expect(readFlag(out.text, 'listen-metrics-urls')).toBe('http://127.0.0.1:2381');
    expect(pod.metadata.annotations['kubeadm.kubernetes.io/etcd.advertise-client-urls']).toBe('https://10.0.0.12:2379');
    expect(pod.spec.containers[0]?.startupProbe.httpGet.host).toBe('10.0.0.12');
    expect(pod.spec.containers[0]?.livenessProbe.httpGet.host).toBe('127.0.0.1');
  });

  it('leaves --initial-cluster (the restore sets it) and everything else as it was', () => {
    expect(readFlag(out.text, 'initial-cluster')).toBe(readFlag(ETCD, 'initial-cluster'));
    expect(readFlag(out.text, 'data-dir')).toBe('/var/lib/etcd');
    expect(out.text).toContain('# etcd of cp1, as kubeadm v1.30 writes it');
    expect(out.text).toContain(' # member name differs from the node name');
    expect(out.untouched).toEqual([]);
  });

  it('never uses the node name where the member name belongs', () => {
    expect(out.text).not.toMatch(/--name=cp2\b/);
    expect(out.text).not.toContain('10.0.0.11:2379');
  });

  it('lists each change for the plan', () => {
    expect(out.changes.map((c) => c.where)).toEqual([
      '--advertise-client-urls',
      '--initial-advertise-peer-urls',
      '--listen-client-urls',
      '--listen-peer-urls',
      '--name',
      'startupProbe.httpGet.host',
      'annotation kubeadm.kubernetes.io/etcd.advertise-client-urls',
    ]);
  });

  it('a diff against the source shows exactly the substituted lines', () => {
    const diff = unifiedDiff(ETCD, out.text, 'cp1:etcd.yaml', 'cp2:etcd.yaml (rebuilt)');
    const minus = diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
    const plus = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    expect(minus).toHaveLength(7);
    expect(plus).toHaveLength(7);
    expect(plus).toContain('+    - --name=etcd-cp2 # member name differs from the node name');
    expect(diff.split('\n').slice(0, 3)).toEqual(['--- cp1:etcd.yaml', '+++ cp2:etcd.yaml (rebuilt)', '@@ -3,7 +3,7 @@']);
  });

  it('refuses to rebuild etcd.yaml for a node that is not an etcd member', () => {
    expect(() => rebuildManifest(ETCD, member(1), { node: 'w1', address: '10.0.0.21' }, 'src')).toThrow(expect.objectContaining({ code: 'MANIFEST_TARGET_NOT_MEMBER' }));
  });

  it('names the file on invalid YAML and on a manifest without a command list', () => {
    expect(() => rebuildManifest('a: [', member(1), member(2), 'cp1:etcd.yaml')).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID_YAML', message: expect.stringContaining('cp1:etcd.yaml') }));
    expect(() => rebuildManifest('spec: {}\n', member(1), member(2), 'cp1:etcd.yaml')).toThrow(expect.objectContaining({ code: 'MANIFEST_NO_COMMAND' }));
  });
});

describe('rebuildManifest: kube-apiserver.yaml', () => {
  const out = rebuildManifest(APISERVER, member(1), member(3), 'cp1:kube-apiserver.yaml');
  const pod = parse(out.text) as { metadata: { annotations: Record<string, string> }; spec: { containers: Record<string, { httpGet: { host: string } }>[] } };

  it('substitutes the advertise address, the endpoint annotation and every probe host', () => {
    expect(readFlag(out.text, 'advertise-address')).toBe('10.0.0.13');
    expect(pod.metadata.annotations['kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint']).toBe('10.0.0.13:6443');
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect(pod.spec.containers[0]?.[p]?.httpGet.host).toBe('10.0.0.13');
    expect(readFlag(out.text, 'etcd-servers')).toBe('https://127.0.0.1:2379');
    expect(readFlag(out.text, 'service-cluster-ip-range')).toBe('10.96.0.0/12');
  });

  it('keeps an --etcd-servers list of every member as it is', () => {
    const all = APISERVER.replace('--etcd-servers=https://127.0.0.1:2379', '--etcd-servers=https://10.0.0.11:2379,https://10.0.0.12:2379,https://10.0.0.13:2379');
    expect(readFlag(rebuildManifest(all, member(1), member(3), 'x').text, 'etcd-servers')).toBe('https://10.0.0.11:2379,https://10.0.0.12:2379,https://10.0.0.13:2379');
    const own = APISERVER.replace('--etcd-servers=https://127.0.0.1:2379', '--etcd-servers=https://10.0.0.11:2379');
    expect(readFlag(rebuildManifest(own, member(1), member(3), 'x').text, 'etcd-servers')).toBe('https://10.0.0.13:2379');
  });

  it('reports other flags that still name the source address', () => {
    const odd = APISERVER.replace('--allow-privileged=true', '--oidc-issuer-url=https://10.0.0.11:8443');
    expect(rebuildManifest(odd, member(1), member(3), 'x').untouched).toEqual(['--oidc-issuer-url']);
  });
});

describe('rebuildManifest with loopback node addresses (127.X.0.N, as in the lab)', () => {
  it('substitutes them but never 127.0.0.1, which every node has', () => {
    const lab = (n: number): MemberIdentity => ({ node: `cp${n}`, address: `127.150.0.${n}`, etcdName: `etcd-cp${n}`, peerURL: `https://127.150.0.${n}:2380`, clientURL: `https://127.150.0.${n}:2379` });
    const src = ETCD.replaceAll('10.0.0.11', '127.150.0.1');
    const out = rebuildManifest(src, lab(1), lab(2), 'x').text;
    expect(readFlag(out, 'listen-client-urls')).toBe('https://127.0.0.1:2379,https://127.150.0.2:2379');
    expect(readFlag(out, 'listen-peer-urls')).toBe('https://127.150.0.2:2380');
    expect(readFlag(out, 'listen-metrics-urls')).toBe('http://127.0.0.1:2381');
  });
});

describe('substituteHosts', () => {
  const hosts = new Map([['10.0.0.1', '10.0.0.2'], ['[fd00::1]', '[fd00::2]']]);
  it('replaces whole hosts only, in URLs, host:port and bare addresses', () => {
    expect(substituteHosts('https://10.0.0.1:2379,https://10.0.0.10:2379', hosts)).toBe('https://10.0.0.2:2379,https://10.0.0.10:2379');
    expect(substituteHosts('10.0.0.1:6443', hosts)).toBe('10.0.0.2:6443');
    expect(substituteHosts('10.0.0.1', hosts)).toBe('10.0.0.2');
    expect(substituteHosts('https://[fd00::1]:2380', hosts)).toBe('https://[fd00::2]:2380');
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts and prints separate hunks for distant changes', () => {
    expect(unifiedDiff('a\n', 'a\n', 'x', 'y')).toBe('');
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const b = a.replace('l2', 'L2').replace('l17', 'L17');
    expect(unifiedDiff(a, b, 'x', 'y')).toBe(
      ['--- x', '+++ y', '@@ -1,6 +1,6 @@', ' l0', ' l1', '-l2', '+L2', ' l3', ' l4', ' l5', '@@ -15,6 +15,6 @@', ' l14', ' l15', ' l16', '-l17', '+L17', ' l18', ' l19', ''].join('\n'),
    );
  });

  it('numbers an insertion at the top and a deletion at the end like diff -u', () => {
    expect(unifiedDiff('b\n', 'a\nb\n', 'x', 'y', 0)).toBe('--- x\n+++ y\n@@ -0,0 +1 @@\n+a\n');
    expect(unifiedDiff('a\nb\n', 'a\n', 'x', 'y', 0)).toBe('--- x\n+++ y\n@@ -2 +1,0 @@\n-b\n');
  });
});
