// external-etcd-restore end to end on an etcd managed as a systemd service (Kubespray's unit,
// /etc/etcd.env, /etc/ssl/etcd/ssl on its own hosts; the systemctl stand-in runs the real etcd):
// seed, snapshot, junk, two members lose their disk, rehearse (0 blocked), `kubedr run` through
// the CLI, then the cluster an operator expects: members etcd1..3 by name and peer URL, every
// seeded key with its value, no junk, apiservers ready through the external members, workers
// rejoined, each member's env file saying existing, the old data dirs kept.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loseSystemdMembers, seedKeys, takeSnapshot, verifyRestored, writeJunk, type SeedSet, type Snapshot } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { builtin, outcome, rehearseClean, runProcedure, type Procedure } from './dr.js';
import { runIdOf, tempDir } from './support.js';

const env = useLab({ etcd: 'external', etcdHosts: 3, controlPlanes: 2, workers: 1 });
const MEMBERS = ['e1', 'e2', 'e3'];
let dir = '';
let seed: SeedSet;
let junk: SeedSet;
let snap: Snapshot;

beforeAll(async () => {
  dir = tempDir('external');
  seed = await seedKeys(env.lab, 1000);
  snap = await takeSnapshot(env.lab, 'e1', join(dir, 'snapshot.db'));
  junk = await writeJunk(env.lab, 20);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const procedure = (): Procedure => ({
  runbook: builtin('external-etcd-restore'),
  inventory: env.lab.inventoryPath,
  stateDir: join(dir, 'state'),
  params: { snapshot: snap.path, snapshotSha256: snap.sha256 },
});

describe.sequential('external-etcd-restore on systemd etcd', () => {
  it('rehearses with nothing blocked after two members lost their data', async () => {
    const damage = await loseSystemdMembers(env.lab, join(dir, 'taken'), ['e2', 'e3']);
    expect(damage.taken).toEqual({ e2: ['/var/lib/etcd'], e3: ['/var/lib/etcd'] });
    expect(await verifyRestored(env.lab, { seed })).not.toEqual([]);
    await rehearseClean(procedure());
  });

  it('kubedr run restores the cluster: members by name and peer URL, keys, no junk, apiservers, workers', async () => {
    const { lab } = env;
    const since = new Date();
    const r = await runProcedure(procedure());
    const o = outcome(r);
    expect(o.failed).toEqual([]);
    expect(o.code, r.stderr).toBe(0);
    expect(o.outcome).toBe('done');
    expect(await verifyRestored(lab, { seed, junk, since })).toEqual([]);
    const runId = runIdOf(r.events);
    for (const m of MEMBERS) {
      const env2 = await lab.exec(m, 'grep -E "^ETCD_(NAME|INITIAL_CLUSTER|INITIAL_CLUSTER_STATE)=" /etc/etcd.env; systemctl is-active etcd');
      expect(env2.stdout).toContain(`ETCD_NAME=${lab.node(m).etcdName ?? ''}`);
      expect(env2.stdout).toContain('ETCD_INITIAL_CLUSTER_STATE=existing');
      expect(env2.stdout).toContain(`ETCD_INITIAL_CLUSTER=${MEMBERS.map((n) => `${lab.node(n).etcdName ?? ''}=https://${lab.node(n).address}:2380`).join(',')}`);
      expect(env2.stdout.trim().split('\n').pop()).toBe('active');
    }
    // e1 kept its data through the disaster: the run moved it aside, never deleted it.
    expect((await lab.exec('e1', `ls -d /var/lib/etcd.kubedr-before-${runId}/member/wal`)).code).toBe(0);
  });
});
