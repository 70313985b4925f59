// Issue 11 proof, on the path where manifests are rebuilt from a surviving member (the damage
// modes themselves: files-lost-rebuilt.lab.test.ts; split off so that the two run in parallel
// lanes, each on its own lab): a failure injected at the restore rolls back to byte-identical
// node files, and kubedr SIGKILLed at three points resumes (a plain `kubedr resume`, no --rerun)
// to a healthy cluster. There the members run kubeadm-style probes: relaxed while the restored
// members start, the originals back at the end (configureMember relaxProbesFor, restoreEtcdProbes).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/model/index.js';
import { loseQuorumWithManifests, putBack, takenCopy, seedKeys, verifyRestored, waitClusterUp, writeJunk, type FileDamage, type Lab, type SeedSet } from '../lab/index.js';
import { waitFor } from '../lab/proc.js';
import { useLab } from '../lab/vitest.js';
import { runProcedure, startProcedure, type Procedure } from './dr.js';
import { bareRestore, expectOwnFilesBack, healOnFailure, takeBackup, type Backup } from './files-lost.js';
import { cliHere, runIdOf, tempDir, treeDigest } from './support.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
const NODES = ['cp1', 'cp2', 'cp3', 'w1', 'w2'];
const MEMBERS = NODES.slice(0, 3);
/** What a restore may change on a node and a rollback must put back (etcd data: by inode below). */
const WATCHED = ['/etc/kubernetes', '/var/lib/kubelet', '/usr/local/sbin'];
let dir = '';
beforeAll(() => {
  dir = tempDir('files-lost-rebuilt-crash');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});
const stateDir = (): string => join(dir, 'state');
/** Restore from the bare snapshot: no manifest of any node comes from the backup. */
const bare = (b: Backup): Procedure => bareRestore(env.lab, stateDir(), b);

const manifestOf = (lab: Lab, node: string): string => lab.hostPath(node, '/etc/kubernetes/manifests/etcd.yaml');

interface Probe {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}
const TIGHT = { initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 5, timeoutSeconds: 15 };

/** kubeadm's etcd probes (against the metrics listener), the startup one allowing 60 s. */
function withTightProbes(text: string): string {
  const doc = parseDocument(text);
  const get = (path: string): Record<string, unknown> => ({ host: '127.0.0.1', path, port: 2381, scheme: 'HTTP' });
  doc.setIn(['spec', 'containers', 0, 'startupProbe'], doc.createNode({ ...TIGHT, httpGet: get('/health?serializable=false') }));
  doc.setIn(['spec', 'containers', 0, 'livenessProbe'], doc.createNode({ ...TIGHT, failureThreshold: 8, httpGet: get('/health?exclude=NOSPACE&serializable=true') }));
  return doc.toString({ lineWidth: 0 });
}

function probesOf(text: string): { startupProbe?: Probe; livenessProbe?: Probe } {
  const c = (parse(text) as { spec: { containers: { startupProbe?: Probe; livenessProbe?: Probe }[] } }).spec.containers[0];
  return { ...(c?.startupProbe ? { startupProbe: c.startupProbe } : {}), ...(c?.livenessProbe ? { livenessProbe: c.livenessProbe } : {}) };
}

/** Seconds after the start the kubelet kills a member whose /health never answers. */
const startWindow = (p: { startupProbe?: Probe }): number => (p.startupProbe?.initialDelaySeconds ?? 0) + (p.startupProbe?.periodSeconds ?? 10) * (p.startupProbe?.failureThreshold ?? 3);

/** The pid of the etcd container the lab kubelet runs on `node` (its pods.json), if one runs. */
function etcdPid(lab: Lab, node: string): number | undefined {
  try {
    const rows = JSON.parse(readFileSync(join(lab.node(node).dirs.root, 'pods.json'), 'utf8')) as { pod: string; state: string; pid?: number }[];
    return rows.find((r) => r.pod.startsWith('etcd') && r.state === 'Running')?.pid;
  } catch {
    return undefined; // written by rename, so absent only before the kubelet's first write
  }
}

/** The etcd data dirs' inodes and /var/lib's entries: moved aside and back keeps them, a copy would not. */
const dataDirs = (lab: Lab): Promise<string[]> => Promise.all(MEMBERS.map(async (n) => (await lab.exec(n, 'ls -id /var/lib/etcd 2>&1; ls -A /var/lib')).stdout));

describe.sequential('crash and failure on the rebuilt-manifest path', () => {
  let seed: SeedSet;
  let backup: Backup;

  beforeAll(async () => {
    // kubeadm's etcd probes, with a start window (60 s) shorter than the restore's budget for
    // any db (120 s + load time): the restore must relax them, the lab kubelet runs them.
    const before = MEMBERS.map((n) => etcdPid(env.lab, n));
    for (const n of MEMBERS) writeFileSync(manifestOf(env.lab, n), withTightProbes(readFileSync(manifestOf(env.lab, n), 'utf8')));
    // The lab kubelet restarts each member on its changed manifest: wait for the new processes,
    // or the cluster check below passes on the old ones just before they stop.
    await Promise.all(MEMBERS.map((n, i) => waitFor(`etcd on ${n} restarted on its new manifest`, 120_000, async () => {
      const pid = etcdPid(env.lab, n);
      return pid !== undefined && pid !== before[i] ? true : undefined;
    }, 100)));
    await waitClusterUp(env.lab, 120_000);
    seed = await seedKeys(env.lab, 500, '/registry/configmaps/kubedr-seed-crash/');
    backup = await takeBackup(env.lab, join(dir, 'backups'), stateDir());
  });

  it('a data dir swap failing on cp2 after the stop rolls every node back to byte-identical files (no rebuilt manifest left)', async () => {
    const { lab } = env;
    await writeJunk(lab, 20);
    const d = await loseQuorumWithManifests(lab, join(dir, 'taken-rollback'));
    // The data dir swap (after the stop, the manifests placed) fails on cp2: the restored dir
    // cannot be moved into place (cp2 lost its data dir, so nothing was moved aside before).
    const fake = lab.hostPath('cp2', '/usr/local/sbin/mv');
    try {
      writeFileSync(fake, '#!/bin/sh\ncase "$*" in *"/restored /var/lib/etcd") echo "injected swap failure" >&2; exit 1 ;; esac\nexec /usr/bin/mv "$@"\n', { mode: 0o755 });
      const before = await Promise.all(NODES.map((n) => treeDigest(lab, n, WATCHED)));
      const inodes = await dataDirs(lab);
      const r = await runProcedure(bare(backup), ['--rollback', 'auto']);
      expect(r.events.find((e) => e.kind === 'run-end'), r.stderr.slice(-3000)).toMatchObject({ outcome: 'rolled-back' });
      expect(r.stdout + r.stderr).toContain('injected swap failure');
      expect(r.events.some((e) => e.kind === 'step-end' && e.stepId === 'restore-member' && e.outcome === 'failed')).toBe(true);
      // The rebuilt etcd.yaml of cp2 and cp3 was created in the stash, then set aside by the undo.
      expect(r.events.some((e) => e.kind === 'undo-end' && e.stepId === 'place-etcd-manifest' && e.node === 'cp3' && e.outcome === 'done')).toBe(true);
      const after = await Promise.all(NODES.map((n) => treeDigest(lab, n, WATCHED)));
      NODES.forEach((n, i) => expect(after[i], `${n}: ${WATCHED.join(' ')}`).toBe(before[i]));
      expect(await dataDirs(lab)).toEqual(inodes);
    } finally {
      rmSync(fake, { force: true });
      await heal(lab, d);
    }
  });

  // Kill points on the rebuilt path: every apiserver and etcd stopped, nothing restored yet; a
  // member's data dir swapped while others are not; every etcd.yaml back in the manifests dir.
  // At the last point the members run on the relaxed probes: checked while kubedr is dead.
  const KILL_POINTS: [string, (e: RunEvent) => boolean, boolean][] = [
    ['after the stop', (e) => e.kind === 'step-end' && e.stepId === 'stash-manifests' && e.outcome === 'done', false],
    ['mid restore (the first member restored)', (e) => e.kind === 'task-end' && e.stepId === 'restore-member' && e.outcome === 'done', false],
    ['after the etcd manifests are placed back', (e) => e.kind === 'step-end' && e.stepId === 'start-etcd' && e.outcome === 'done', true],
  ];
  it.each(KILL_POINTS)('kubedr SIGKILLed %s: a plain kubedr resume brings a healthy cluster, on the original etcd probes', async (_where, at, relaxedNow) => {
    const { lab } = env;
    // A whole cluster first (the previous case healed or restored it): junk needs quorum.
    await waitClusterUp(lab, 120_000);
    const junk = await seedKeys(lab, 20, `/registry/configmaps/kubedr-junk-kill-${KILL_POINTS.findIndex(([, p]) => p === at)}/`);
    const since = new Date();
    const probesBefore = MEMBERS.map((n) => probesOf(readFileSync(manifestOf(lab, n), 'utf8')));
    const d = await loseQuorumWithManifests(lab, join(dir, `taken-kill-${KILL_POINTS.findIndex(([, p]) => p === at)}`));
    await healOnFailure(lab, d, async () => {
      const c = startProcedure(bare(backup), ['--rollback', 'never']);
      await Promise.race([c.waitEvent(at), c.done]);
      c.child.kill('SIGKILL');
      const killed = await c.done;
      expect(killed.code, `kubedr should have been killed, not finished: ${killed.stderr.slice(-2000)}`).toBe(137);
      if (relaxedNow) {
        for (const n of MEMBERS) {
          const p = probesOf(readFileSync(manifestOf(lab, n), 'utf8'));
          expect(p.startupProbe?.failureThreshold, `${n}: etcd.yaml during the restore`).toBeGreaterThan(TIGHT.failureThreshold);
          expect(startWindow(p), `${n}: seconds the kubelet allows etcd to start`).toBeGreaterThanOrEqual(120);
        }
      }
      const resumed = await cliHere(['resume', runIdOf(c.events), '--state-dir', stateDir(), '--yes', '--output', 'json']);
      expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
      expect(resumed.events.find((e) => e.kind === 'run-end')).toMatchObject({ outcome: 'done' });
      // The probes were relaxed: putting them back changed the manifests, so the waits for the
      // kubelet's restart and quorum after it ran (in the first process or in the resume).
      for (const id of ['probes-current', 'wait-quorum-probes']) {
        expect([...c.events, ...resumed.events].some((e) => e.kind === 'step-end' && e.stepId === id && e.outcome === 'done'), id).toBe(true);
      }
      expect(await verifyRestored(lab, { seed, junk, since })).toEqual([]);
      expectOwnFilesBack(lab, d);
      // Each member ends on the probes it had before the disaster (a lost etcd.yaml: its own
      // copy taken off the node), not the relaxed ones.
      const probesAfter = MEMBERS.map((n) => probesOf(readFileSync(manifestOf(lab, n), 'utf8')));
      expect(probesAfter).toEqual(probesBefore);
      for (const n of Object.keys(d.taken)) expect(probesOf(readFileSync(takenCopy(d, n, '/etc/kubernetes/manifests/etcd.yaml'), 'utf8'))).toEqual(probesAfter[MEMBERS.indexOf(n)]);
      expect(startWindow(probesAfter[0] ?? {})).toBe(60);
    });
  });
});

/** The taken files back after a case that leaves the damage (a rollback restores the damage too). */
async function heal(lab: Lab, d: FileDamage): Promise<void> {
  await putBack(lab, d);
  await waitClusterUp(lab, 120_000);
}
