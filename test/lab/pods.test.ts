// Pure parts of the lab's static-pod runner: how kubeadm manifests become a process's argv.
import { describe, expect, it } from 'vitest';
import { apiserverManifest, etcdManifest, initialCluster } from './manifests.js';
import { backoffMs, launchArgv, mapVolumePaths, parsePodManifest, rewriteLoopback } from './node/pods.js';

const cp1 = { name: 'etcd-cp1', address: '127.150.0.1' };
const members = [cp1, { name: 'etcd-cp2', address: '127.150.0.2' }];

describe('rewriteLoopback', () => {
  it('maps 127.0.0.1 to the node address and drops the duplicate that creates', () => {
    expect(rewriteLoopback('--listen-client-urls=https://127.0.0.1:2379,https://127.150.0.1:2379', '127.150.0.1'))
      .toBe('--listen-client-urls=https://127.150.0.1:2379');
    expect(rewriteLoopback('--listen-metrics-urls=http://127.0.0.1:2381', '127.150.0.1')).toBe('--listen-metrics-urls=http://127.150.0.1:2381');
    expect(rewriteLoopback('--bind-address=127.0.0.1', '127.150.0.1')).toBe('--bind-address=127.150.0.1');
  });

  it('leaves other addresses alone, including ones that merely contain 127.0.0.1', () => {
    expect(rewriteLoopback('--name=cp1', '127.150.0.1')).toBe('--name=cp1');
    expect(rewriteLoopback('--x=https://127.0.0.10:2379', '127.150.0.1')).toBe('--x=https://127.0.0.10:2379');
    expect(rewriteLoopback('--x=https://10.127.0.0.1:1', '127.150.0.1')).toBe('--x=https://10.127.0.0.1:1');
  });
});

describe('mapVolumePaths', () => {
  const mounts = [{ mountPath: '/var/lib/etcd', hostPath: '/var/lib/etcd-restored' }];

  it('maps a flag value under a mountPath to its hostPath, as the container would see it', () => {
    expect(mapVolumePaths('--data-dir=/var/lib/etcd', mounts)).toBe('--data-dir=/var/lib/etcd-restored');
    expect(mapVolumePaths('--wal-dir=/var/lib/etcd/wal', mounts)).toBe('--wal-dir=/var/lib/etcd-restored/wal');
  });

  it('does not map a sibling path that only shares a prefix', () => {
    expect(mapVolumePaths('--data-dir=/var/lib/etcd2', mounts)).toBe('--data-dir=/var/lib/etcd2');
  });
});

describe('parsePodManifest + launchArgv', () => {
  it('launches etcd with the manifest flags, node address instead of loopback', () => {
    const spec = parsePodManifest(etcdManifest(cp1, members), 'cp1');
    expect(spec.pod).toBe('etcd-cp1');
    const argv = launchArgv(spec, cp1.address);
    expect(argv[0]).toBe('etcd');
    expect(argv).toContain(`--initial-cluster=${initialCluster(members)}`);
    expect(argv).toContain('--listen-client-urls=https://127.150.0.1:2379');
    expect(argv).toContain('--data-dir=/var/lib/etcd');
    expect(argv.join(' ')).not.toContain('127.0.0.1');
  });

  it('launches etcd with the extra flags a lab asks for (large dbs), none by default', () => {
    const argv = launchArgv(parsePodManifest(etcdManifest(cp1, members, { quotaBackendBytes: 6 * 1024 ** 3, snapshotCount: 500 }), 'cp1'), cp1.address);
    expect(argv).toContain(`--quota-backend-bytes=${6 * 1024 ** 3}`);
    expect(argv).toContain('--snapshot-count=500');
    expect(argv).not.toContain('--snapshot-count=10000');
    const plain = launchArgv(parsePodManifest(etcdManifest(cp1, members), 'cp1'), cp1.address);
    expect(plain.some((a) => a.startsWith('--quota-backend-bytes'))).toBe(false);
    expect(plain).toContain('--snapshot-count=10000');
  });

  it('follows an etcd-data hostPath change (restore by pointing the volume elsewhere)', () => {
    const text = etcdManifest(cp1, members).replace('path: /var/lib/etcd\n', 'path: /var/lib/etcd-restored\n');
    expect(launchArgv(parsePodManifest(text, 'cp1'), cp1.address)).toContain('--data-dir=/var/lib/etcd-restored');
  });

  it('keeps hostPath volume types so the runner can create DirectoryOrCreate dirs like the kubelet', () => {
    expect(parsePodManifest(etcdManifest(cp1, members), 'cp1').hostPaths).toEqual([
      { path: '/etc/kubernetes/pki/etcd', type: 'DirectoryOrCreate' },
      { path: '/var/lib/etcd', type: 'DirectoryOrCreate' },
    ]);
  });

  it('gives the apiserver its etcd client flags', () => {
    const argv = launchArgv(parsePodManifest(apiserverManifest(cp1), 'cp1'), cp1.address);
    expect(argv).toContain('--etcd-servers=https://127.150.0.1:2379');
    expect(argv).toContain('--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt');
  });

  it('rejects what is not a static pod', () => {
    expect(() => parsePodManifest('kind: Deployment\n', 'cp1')).toThrow(/not a Pod/);
    expect(() => parsePodManifest('kind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n', 'cp1')).toThrow(/one container/);
  });
});

describe('backoffMs', () => {
  it('doubles from 0.5 s and caps at 8 s', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(backoffMs)).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });
});
