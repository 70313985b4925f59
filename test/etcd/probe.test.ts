import { describe, expect, it } from 'vitest';
import { applyManifestEdits } from '../../src/etcd/manifest.js';
import { allowedStartSeconds, loadBudgetSeconds, relaxEtcdProbes, restoreEtcdProbes } from '../../src/etcd/probe.js';
import { KUBEADM_ETCD } from './kubeadm-etcd-manifest.js';

const GiB = 1024 ** 3;

describe('loadBudgetSeconds', () => {
  it('grows with the db: 120 s plus 10 MiB/s by default', () => {
    expect(loadBudgetSeconds(0)).toBe(120);
    expect(loadBudgetSeconds(4 * GiB)).toBe(120 + 410);
    expect(loadBudgetSeconds(8 * GiB, { loadBytesPerSec: 100 * 1024 ** 2, baseSeconds: 60 })).toBe(60 + 82);
  });
});

describe('relaxEtcdProbes', () => {
  it("raises kubeadm's startup probe failureThreshold for a 4 GiB db and changes nothing else", () => {
    const r = relaxEtcdProbes(KUBEADM_ETCD, 4 * GiB, 'etcd.yaml');
    expect(r).toMatchObject({ changed: true, allowedBefore: 250, budgetSeconds: 530 });
    expect(r.allowedAfter).toBeGreaterThanOrEqual(530);
    const before = KUBEADM_ETCD.split('\n');
    const after = r.text.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.map((l, i) => [before[i], l]).filter(([a, b]) => a !== b);
    // Only the startup probe's threshold: (530 - 10) / 10 = 52 failures of 10 s.
    expect(changed).toEqual([['      failureThreshold: 24', '      failureThreshold: 52']]);
  });

  it('leaves a small db alone (the probes already allow 250 s)', () => {
    const r = relaxEtcdProbes(KUBEADM_ETCD, 200 * 1024 ** 2, 'etcd.yaml');
    expect(r.changed).toBe(false);
    expect(r.text).toBe(KUBEADM_ETCD);
  });

  it('without a startup probe, delays the liveness probe instead', () => {
    const noStartup = KUBEADM_ETCD.replace(/ {4}startupProbe:\n(?: {6}.*\n)+/, '');
    expect(noStartup).not.toContain('startupProbe');
    const r = relaxEtcdProbes(noStartup, 4 * GiB, 'etcd.yaml');
    expect(r.allowedBefore).toBe(10 + 8 * 10);
    expect(r.text).toContain('initialDelaySeconds: 450');
    expect(r.allowedAfter).toBe(530);
  });

  it('names the file when the manifest is not a pod with a container', () => {
    expect(() => relaxEtcdProbes('kind: Pod\nspec: {}\n', GiB, '/etc/kubernetes/manifests/etcd.yaml')).toThrow(/etcd\.yaml: spec\.containers\[0\]/);
  });
});

describe('restoreEtcdProbes', () => {
  it('puts the original probes back and keeps the restore edits (data dir)', () => {
    const relaxed = relaxEtcdProbes(KUBEADM_ETCD, 8 * GiB, 'etcd.yaml').text;
    const restoredData = applyManifestEdits(relaxed, [{ op: 'setFlag', flag: 'data-dir', value: '/var/lib/etcd-restored' }, { op: 'setHostPath', volume: 'etcd-data', path: '/var/lib/etcd-restored' }], 'etcd.yaml');
    const back = restoreEtcdProbes(restoredData, KUBEADM_ETCD, 'etcd.yaml');
    const expected = applyManifestEdits(KUBEADM_ETCD, [{ op: 'setFlag', flag: 'data-dir', value: '/var/lib/etcd-restored' }, { op: 'setHostPath', volume: 'etcd-data', path: '/var/lib/etcd-restored' }], 'etcd.yaml');
    expect(back).toBe(expected);
    expect(allowedStartSeconds({ initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 24 }, undefined)).toBe(250);
  });
});
