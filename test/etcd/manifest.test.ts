import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyManifestEdits, readFlag } from '../../src/etcd/manifest.js';
import { KUBEADM_ETCD } from './kubeadm-etcd-manifest.js';

const ETCD = `# etcd static pod (kubeadm)
apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://10.0.0.1:2379
    - --data-dir=/var/lib/etcd   # must match the etcd-data volume
    - --initial-cluster-state=new
    - --name=cp1
    image: registry.k8s.io/etcd:3.5.9-0
    name: etcd
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
`;

describe('applyManifestEdits', () => {
  it('sets, adds and removes flags and moves a hostPath, keeping comments and order', () => {
    const out = applyManifestEdits(
      ETCD,
      [
        { op: 'setFlag', flag: 'data-dir', value: '/var/lib/etcd-restored' },
        { op: 'setFlag', flag: '--initial-cluster', value: 'cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380' },
        { op: 'removeFlag', flag: 'initial-cluster-state' },
        { op: 'setHostPath', volume: 'etcd-data', path: '/var/lib/etcd-restored' },
      ],
      'cp1:/etc/kubernetes/manifests/etcd.yaml',
    );
    expect(readFlag(out, 'data-dir')).toBe('/var/lib/etcd-restored');
    expect(readFlag(out, 'initial-cluster')).toBe('cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380');
    expect(readFlag(out, 'initial-cluster-state')).toBeUndefined();
    expect(out).toContain('# etcd static pod (kubeadm)');
    expect(out).toContain('--data-dir=/var/lib/etcd-restored # must match the etcd-data volume');
    expect(out).toContain('      path: /var/lib/etcd-restored\n      type: DirectoryOrCreate\n    name: etcd-data');
    expect(out).toContain('      path: /etc/kubernetes/pki/etcd\n');
    expect(out.indexOf('--advertise-client-urls')).toBeLessThan(out.indexOf('--data-dir'));
    // Every line not touched by an edit is byte-identical (kubeadm's compact sequence style too).
    const untouched = (t: string) => t.split('\n').filter((l) => !/data-dir|etcd-restored|initial-cluster|path: \/var\/lib\/etcd$/.test(l));
    expect(untouched(out)).toEqual(untouched(ETCD));
  });

  it('keeps indented sequences indented and never folds a long flag', () => {
    const indented = 'spec:\n  containers:\n    - command:\n        - etcd\n        - --name=a\n';
    const long = `m1=https://10.0.0.1:2380,${'mX=https://10.0.0.99:2380,'.repeat(8)}m9=https://10.0.0.9:2380`;
    const out = applyManifestEdits(indented, [{ op: 'setFlag', flag: 'initial-cluster', value: long }], 'm');
    expect(out).toBe(`${indented}        - --initial-cluster=${long}\n`);
  });

  it('is idempotent: applying the same edits twice changes nothing more', () => {
    const edits = [{ op: 'setFlag' as const, flag: 'initial-cluster-state', value: 'existing' }];
    const once = applyManifestEdits(ETCD, edits, 'm');
    expect(applyManifestEdits(once, edits, 'm')).toBe(once);
  });

  it('names the file and the fix when the manifest does not fit', () => {
    expect(() => applyManifestEdits(ETCD, [{ op: 'setHostPath', volume: 'etcd-dta', path: '/x' }], 'cp1:etcd.yaml')).toThrow(/cp1:etcd.yaml: no hostPath volume named "etcd-dta"/);
    expect(() => applyManifestEdits('spec: {}\n', [{ op: 'setFlag', flag: 'a', value: 'b' }], 'cp1:x.yaml')).toThrow(expect.objectContaining({ code: 'MANIFEST_NO_COMMAND' }));
    expect(() => applyManifestEdits('a: [\n', [], 'bad.yaml')).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID_YAML' }));
  });

  it('relaxes the probes for a db size and puts the original ones back, next to the flag edits', () => {
    const probes = (t: string): unknown => {
      const c = (parse(t) as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0];
      return { startup: c?.startupProbe, liveness: c?.livenessProbe };
    };
    const notes: string[] = [];
    const relaxed = applyManifestEdits(KUBEADM_ETCD, [{ op: 'setFlag', flag: 'initial-cluster-state', value: 'existing' }, { op: 'relaxProbes', dbBytes: 8 * 1024 ** 3 }], 'cp1:etcd.yaml', notes);
    expect(readFlag(relaxed, 'initial-cluster-state')).toBe('existing');
    expect(probes(relaxed)).not.toEqual(probes(KUBEADM_ETCD));
    expect(notes).toEqual([expect.stringMatching(/^cp1:etcd.yaml: probes relaxed for a 8589934592-byte db: the kubelet allows \d+ s to start \(was 250 s/)]);
    const back = applyManifestEdits(relaxed, [{ op: 'restoreProbes', original: KUBEADM_ETCD }], 'cp1:etcd.yaml');
    expect(probes(back)).toEqual(probes(KUBEADM_ETCD));
    expect(readFlag(back, 'initial-cluster-state')).toBe('existing');
  });
});
