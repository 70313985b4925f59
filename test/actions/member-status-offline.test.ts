// memberStatus reads a stopped member's revision from its data dir (etcd 3.4: `etcdctl snapshot
// status` on member/snap/db, read-only). On a real member db: a throwaway etcd's data restored
// into a member data dir, exactly as a restore leaves one on a node.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandDrAction } from '../../src/actions/index.js';
import { startEtcd } from '../etcd/snapshot/throwaway-etcd.js';

const work = mkdtempSync(join(tmpdir(), 'kubedr-offline-rev-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** memberStatus's offline read, run by sh against `db`; prints the revision it found. */
function offlineRevision(db: string): string {
  const x = expandDrAction('memberStatus', {});
  const line = (x.action.kind === 'shell' ? x.action.script : '').split('\n').find((l) => l.trim().startsWith('off=$('));
  if (!line) throw new Error('memberStatus has no offline read');
  return execFileSync('sh', ['-c', `db=${db}\n${line}\nprintf '%s' "$off"`], { encoding: 'utf8' });
}

describe('memberStatus offline', () => {
  it("reads a stopped member's revision from its db", async () => {
    const etcd = await startEtcd();
    let rev = 0;
    try {
      for (let i = 0; i < 7; i++) rev = await etcd.put(`/registry/configmaps/default/k${i}`, `v${i}`);
      await etcd.save(join(work, 'snap.db'));
    } finally {
      await etcd.stop();
    }
    execFileSync('etcdctl', ['snapshot', 'restore', join(work, 'snap.db'), '--data-dir', join(work, 'member-data'), '--name', 'm1', '--initial-cluster', 'm1=http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380'], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: 'ignore' });
    expect(rev).toBeGreaterThan(7);
    expect(offlineRevision(join(work, 'member-data', 'member', 'snap', 'db'))).toBe(String(rev));
  }, 60_000);

  it('says nothing for a file that is no etcd db', () => {
    expect(offlineRevision('/etc/hostname')).toBe('');
  });
});
