// `kubedr drill` against the lab (3 control planes): seed keys, snapshot, then change the live
// cluster (junk keys written, one seeded key deleted). A drill on a node and one on this machine
// must restore exactly the snapshot's revision and keys (cross-checked with etcdctl snapshot
// status), report the junk as "would be removed", the deleted key as "would be added", the
// overwritten key as "would be changed", and
// leave nothing behind: node files hashed before/after, live revision unchanged, no throwaway
// etcd process, no scratch dir. A drill that fails half-way still tears down.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { drill } from '../../src/app/drill.js';
import { seedKeys, takeSnapshot, writeJunk, type SeedSet, type Snapshot } from '../lab/index.js';
import { runOk } from '../lab/proc.js';
import { useLab } from '../lab/vitest.js';
import { cliHere, tempDir, writeInventory } from '../e2e/support.js';
import { digestAll } from './rehearse-trees.js';

const env = useLab({ controlPlanes: 3, workers: 0 });
const NODES = ['cp1', 'cp2', 'cp3'];
// Not /tmp: the lab root (with live logs) is visible there; scratchDirs() checks /tmp instead.
const TREES = ['/etc/kubernetes', '/var/lib', '/root'];

let dir = '';
let inventory = '';
let snap: Snapshot;
let seed: SeedSet;
let junk: SeedSet;
let deleted = '';
let overwritten = '';
let snapshotRevision = 0;

const etcdctl = (args: string[]): Promise<string> => {
  const t = env.lab.etcdTls;
  return runOk('etcdctl', [`--endpoints=${env.lab.clientURL('cp1')}`, `--cacert=${t.cacert}`, `--cert=${t.cert}`, `--key=${t.key}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
};

beforeAll(async () => {
  const lab = env.lab;
  dir = tempDir('drill');
  inventory = writeInventory(lab, dir, 'inventory');
  seed = await seedKeys(lab, 150);
  snap = await takeSnapshot(lab, 'cp1', join(dir, 'snapshot.db'));
  // Independent of kubedr's own reader: etcdctl's view of the snapshot.
  const status = JSON.parse((await runOk('etcdctl', ['snapshot', 'status', snap.path, '-w', 'json'], { env: { ...process.env, ETCDCTL_API: '3' } }))) as { revision: number };
  snapshotRevision = status.revision;
  junk = await writeJunk(lab, 10);
  deleted = `${seed.prefix}000007`;
  await etcdctl(['del', deleted]);
  overwritten = `${seed.prefix}000003`;
  await etcdctl(['put', overwritten, 'written after the snapshot']);
});

const digests = (): Promise<string[]> => digestAll(env.lab, NODES, TREES);
/** Processes whose command line names a drill scratch dir (read from /proc; nothing is signalled). */
// The unit project's local drills (scratch under a tmp 'kubedr-drill-base-…') may run at the same time: not ours.
const drillProcesses = (): string[] => execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('kubedr-drill-') && !/kubedr-drill-(base|unit|state)-/.test(l) && !l.includes('ps -eo'));
const scratchDirs = (): string[] => [
  ...readdirSync('/var/tmp').filter((f) => f.startsWith('kubedr-drill-')).map((f) => `host:/var/tmp/${f}`),
  ...NODES.flatMap((n) => readdirSync(env.lab.hostPath(n, '/tmp')).filter((f) => f.startsWith('kubedr-drill-')).map((f) => `${n}:/tmp/${f}`)),
];

interface DrillJson {
  runId: string;
  ok: boolean;
  where: string;
  snapshot: { revision: number; liveKeys: number };
  restored: { healthy: boolean; revision: number; keys: number };
  compare: { totals: { wouldAdd: number; wouldRemove: number; wouldChange: number }; resources: Record<string, { wouldAdd: string[]; wouldRemove: string[]; wouldChange: string[] }> };
  cleanedUp: boolean;
}

async function cliDrill(where: string[]): Promise<DrillJson> {
  const r = await cliHere(['drill', snap.path, ...where, '-i', inventory, '--compare-live', '--state-dir', join(dir, 'state'), '--output', 'json']);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"drill":'));
  if (!line) throw new Error(`no drill report (exit ${r.code}): ${r.stderr}`);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(line) as { drill: DrillJson }).drill;
}

function expectFaithful(d: DrillJson): void {
  expect(d.ok).toBe(true);
  expect(d.restored.healthy).toBe(true);
  expect(d.restored.revision).toBe(snapshotRevision);
  expect(d.snapshot.revision).toBe(snapshotRevision);
  expect(d.restored.keys).toBe(d.snapshot.liveKeys);
  expect(d.restored.keys).toBeGreaterThanOrEqual(seed.count);
  const cms = d.compare.resources['configmaps'];
  expect(cms?.wouldRemove).toEqual(Array.from({ length: junk.count }, (_, i) => `${junk.prefix}${String(i).padStart(6, '0')}`));
  expect(cms?.wouldAdd).toEqual([deleted]);
  // An overwritten key is a change a restore makes, not a "keep".
  expect(cms?.wouldChange).toEqual([overwritten]);
  expect(d.compare.totals).toEqual(expect.objectContaining({ wouldAdd: 1, wouldRemove: junk.count, wouldChange: 1 }));
  expect(d.cleanedUp).toBe(true);
}

describe('kubedr drill on the lab', () => {
  it('on a node: restores the snapshot faithfully, compares with live, touches nothing, leaves nothing', async () => {
    // Node files, and every member's revision and the member list (digestAll): nothing written.
    const before = await digests();
    const d = await cliDrill(['--node', 'cp2']);
    expect(d.where).toBe('cp2');
    expectFaithful(d);
    expect(await digests()).toEqual(before);
    expect(drillProcesses()).toEqual([]);
    expect(scratchDirs()).toEqual([]);
    const records = readFileSync(join(dir, 'state', 'runs', d.runId, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; mode?: string; stepId?: string; node?: string; outcome?: string });
    expect(records[0]).toMatchObject({ type: 'run-start', mode: 'drill', runbook: 'restore-drill' });
    const ends = records.filter((x) => x.type === 'task-end').map((x) => `${x.stepId ?? ''}@${x.node ?? ''}=${x.outcome ?? ''}`);
    expect(ends).toEqual(['inspect-snapshot@@local=done', 'tools@cp2=done', 'scratch@cp2=done', 'upload@cp2=done', 'restore-start@cp2=done', 'query@cp2=done', 'verify@cp2=done', 'compare-live@cp2=done', 'teardown@cp2=done']);
    expect(records.at(-1)).toMatchObject({ type: 'run-end', outcome: 'done' });
  });

  it('locally: the same verdict from this machine, live keys read over SSH', async () => {
    // Node files, and every member's revision and the member list (digestAll): nothing written.
    const before = await digests();
    const d = await cliDrill(['--local']);
    expect(d.where).toBe('@local');
    expectFaithful(d);
    expect(await digests()).toEqual(before);
    expect(drillProcesses()).toEqual([]);
    expect(scratchDirs()).toEqual([]);
  });

  it('a drill that fails after starting etcd still stops it and removes the scratch dir', async () => {
    // The live read fails (a client certificate that does not exist) after the throwaway etcd runs.
    const broken = join(dir, 'broken-tls.yaml');
    writeFileSync(broken, readFileSync(inventory, 'utf8').replace('healthcheck-client.crt', 'no-such-client.crt'));
    const out = await drill({ snapshot: snap.path, inventory: broken, node: 'cp3', compareLive: true, stateDir: join(dir, 'state'), env: process.env });
    expect(out.ok).toBe(false);
    expect(out.stages.find((s) => s.id === 'restore-start')?.outcome).toBe('done');
    expect(out.problems.join('\n')).toMatch(/reading live keys from https:\/\/.*failed/);
    const teardown = out.stages.find((s) => s.id === 'teardown');
    expect(teardown?.outcome).toBe('done');
    expect(teardown?.detail).toMatch(/removed \/var\/tmp\/kubedr-drill-/);
    expect(out.cleanedUp).toBe(true);
    expect(drillProcesses()).toEqual([]);
    expect(scratchDirs()).toEqual([]);
    expect(existsSync(join(dir, 'state', 'runs', out.runId, 'audit.jsonl'))).toBe(true);
  });
});
