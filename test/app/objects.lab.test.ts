// `kubedr objects diff|restore` and `kubedr rollback` of an objects restore, against the lab's
// real etcd 3.4 with TLS, over real SSH. Seeds protobuf-shaped ("k8s\0" + a valid Unknown
// envelope, bodies holding NUL, newline, quote, backslash and 0xff bytes) and JSON values plus
// Secrets, takes a snapshot, deletes 10, overwrites 10 and adds 20 keys; then checks the diff
// counts exactly, that restore --overwrite --prune makes the selection byte-identical to the
// snapshot without touching members, etcd processes or any other key, that rollback puts the
// pre-restore values back byte for byte, that a key changed between diff and write is skipped,
// and that no Secret value reaches the console, the journal or the audit log.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { restoreObjects } from '../../src/app/objects-restore.js';
import { seedKeys, takeSnapshot, type Lab, type Snapshot } from '../lab/index.js';
import { useLab } from '../lab/vitest.js';
import { cliHere, tempDir, writeInventory } from '../e2e/support.js';
import { encodeKubeObject } from '../etcd/snapshot/kube-proto.js';
import { encodeOwned } from '../etcd/objects/owned.js';

const env = useLab({ controlPlanes: 3, workers: 0 });
const CM = '/registry/configmaps/objlab/';
const SEC = '/registry/secrets/objlab/';
const SELECT = ['--select', 'configmaps/objlab', '--select', 'secrets/objlab'];
const MARKER = `TOPSECRET-${randomBytes(6).toString('hex')}`;

interface RawKv { key: string; value: Buffer; modRevision: number }

/** Binary-safe writes and reads through the gateway (the lab's putMany takes strings). */
async function putRaw(lab: Lab, kvs: { key: string; value: Buffer }[]): Promise<void> {
  for (let i = 0; i < kvs.length; i += 50) {
    const success = kvs.slice(i, i + 50).map((kv) => ({ request_put: { key: Buffer.from(kv.key).toString('base64'), value: kv.value.toString('base64') } }));
    await lab.etcd.call(lab.clientURL('cp1'), '/v3/kv/txn', { success });
  }
}
async function delRaw(lab: Lab, keys: string[]): Promise<void> {
  const success = keys.map((k) => ({ request_delete_range: { key: Buffer.from(k).toString('base64') } }));
  await lab.etcd.call(lab.clientURL('cp1'), '/v3/kv/txn', { success });
}
/** Every key (or those under `prefix`) with its exact bytes and mod revision. */
async function range(lab: Lab, prefix = '\0'): Promise<Map<string, RawKv>> {
  const key = Buffer.from(prefix === '\0' ? '\0' : prefix);
  const end = Buffer.from(key);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  const body = prefix === '\0' ? { key: key.toString('base64'), range_end: Buffer.from([0]).toString('base64') } : { key: key.toString('base64'), range_end: end.toString('base64') };
  const r = await lab.etcd.call<{ kvs?: { key: string; value?: string; mod_revision?: string }[] }>(lab.clientURL('cp1'), '/v3/kv/range', body, 30_000);
  return new Map((r.kvs ?? []).map((kv) => {
    const k = Buffer.from(kv.key, 'base64').toString();
    return [k, { key: k, value: Buffer.from(kv.value ?? '', 'base64'), modRevision: Number(kv.mod_revision ?? 0) }];
  }));
}
const selection = async (lab: Lab): Promise<Map<string, Buffer>> =>
  new Map([...(await range(lab, CM)), ...(await range(lab, SEC))].map(([k, v]) => [k, v.value]));
const outside = async (lab: Lab): Promise<string[]> =>
  [...(await range(lab))].filter(([k]) => !k.startsWith(CM) && !k.startsWith(SEC)).map(([k, v]) => `${k} ${v.modRevision} ${v.value.toString('base64')}`);
const sameBytes = (a: Map<string, Buffer>, b: Map<string, Buffer>): string[] => {
  const diffs: string[] = [];
  for (const [k, v] of a) if (!b.get(k)?.equals(v)) diffs.push(`differs or missing: ${k}`);
  for (const k of b.keys()) if (!a.has(k)) diffs.push(`extra: ${k}`);
  return diffs;
};
const nasty = Buffer.from([0x00, 0x0a, 0x22, 0x5c, 0x27, 0x24, 0x28, 0xff, 0x80, 0x0d]);
const proto = (name: string, kind: string, n: number, extra = ''): Buffer => encodeKubeObject({
  apiVersion: 'v1', kind, name, namespace: 'objlab', uid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, creationSeconds: 1_767_225_600 + n,
  labels: { app: 'objlab' }, body: Buffer.concat([nasty, Buffer.from(`body-${n}${extra}`)]),
});
const json = (name: string, n: number): Buffer => Buffer.from(JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: 'objlab', uid: `json-${n}` }, data: { n, text: "quote ' \" $(x) \n" } }));
const etcdPids = async (lab: Lab): Promise<string[]> => Promise.all(['cp1', 'cp2', 'cp3'].map(async (n) => (await lab.exec(n, 'pgrep -x etcd')).stdout.trim()));
const memberIds = async (lab: Lab): Promise<string[]> => (await lab.etcd.memberList(lab.clientURL('cp1'))).members.map((m) => m.id).sort();

let dir = '';
let inventory = '';
let snap: Snapshot;
let atSnapshot = new Map<string, Buffer>();
let secretValues: Buffer[] = [];
const deleted: string[] = [];
const overwritten: string[] = [];
const added: string[] = [];

beforeAll(async () => {
  const lab = env.lab;
  dir = tempDir('objects');
  inventory = writeInventory(lab, dir, 'inventory');
  await seedKeys(lab, 30); // keys outside the selection
  const kvs: { key: string; value: Buffer }[] = [];
  for (let i = 0; i < 30; i++) kvs.push({ key: `${CM}pb-${String(i).padStart(2, '0')}`, value: proto(`pb-${i}`, 'ConfigMap', i) });
  for (let i = 0; i < 20; i++) kvs.push({ key: `${CM}js-${String(i).padStart(2, '0')}`, value: json(`js-${i}`, i) });
  for (let i = 0; i < 6; i++) kvs.push({ key: `${SEC}s-${i}`, value: proto(`s-${i}`, 'Secret', 100 + i, `-${MARKER}`) });
  secretValues = kvs.filter((kv) => kv.key.startsWith(SEC)).map((kv) => kv.value);
  await putRaw(lab, kvs);
  snap = await takeSnapshot(lab, 'cp1', join(dir, 'snapshot.db'));
  atSnapshot = await selection(lab);
  // After the snapshot: 10 deleted, 10 overwritten, 20 added (protobuf, JSON and Secrets in each).
  deleted.push(...[0, 1, 2, 3, 4, 5].map((i) => `${CM}pb-${String(i).padStart(2, '0')}`), `${CM}js-00`, `${CM}js-01`, `${SEC}s-0`, `${SEC}s-1`);
  overwritten.push(...[10, 11, 12, 13, 14, 15].map((i) => `${CM}pb-${i}`), `${CM}js-10`, `${CM}js-11`, `${SEC}s-2`, `${SEC}s-3`);
  added.push(...Array.from({ length: 16 }, (_, i) => `${CM}new-${String(i).padStart(2, '0')}`), `${SEC}new-0`, `${SEC}new-1`, `${CM}new-js-0`, `${CM}new-js-1`);
  await delRaw(lab, deleted);
  await putRaw(lab, overwritten.map((k, i) => ({ key: k, value: k.includes('/js-') ? json(`changed-${i}`, 500 + i) : proto(k.split('/').at(-1) ?? '', k.startsWith(SEC) ? 'Secret' : 'ConfigMap', 500 + i, `-changed-${MARKER}`) })));
  await putRaw(lab, added.map((k, i) => ({ key: k, value: k.includes('new-js') ? json(`new-${i}`, 700 + i) : proto(`new-${i}`, k.startsWith(SEC) ? 'Secret' : 'ConfigMap', 700 + i, `-${MARKER}`) })));
});

const noSecrets = (text: string): void => {
  expect(text).not.toContain(MARKER);
  for (const v of secretValues) expect(text).not.toContain(v.toString('base64'));
};

describe('kubedr objects on the lab', () => {
  it('diff reports exactly 10 missing live, 10 changed, 20 extra live, read-only', async () => {
    const before = await range(env.lab);
    const r = await cliHere(['objects', 'diff', snap.path, '-i', inventory, ...SELECT, '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { diff: { totals: Record<string, number>; entries: { key: string; kind: string }[] } };
    expect(out.diff.totals).toEqual({ missing: 10, changed: 10, extra: 20, same: 36 });
    const keysOf = (kind: string): string[] => out.diff.entries.filter((e) => e.kind === kind).map((e) => e.key);
    expect(keysOf('missing')).toEqual([...deleted].sort());
    expect(keysOf('changed')).toEqual([...overwritten].sort());
    expect(keysOf('extra')).toEqual([...added].sort());
    noSecrets(r.stdout + r.stderr);
    expect([...(await range(env.lab))].map(([k, v]) => `${k}@${v.modRevision}`)).toEqual([...before].map(([k, v]) => `${k}@${v.modRevision}`));
  });

  it('restore --overwrite --prune: byte-identical selection, nothing else touched; rollback restores the pre-restore bytes', async () => {
    const lab = env.lab;
    const [pids, members, others, preRestore] = [await etcdPids(lab), await memberIds(lab), await outside(lab), await selection(lab)];
    const state = join(dir, 'state');
    const r = await cliHere(['objects', 'restore', snap.path, '-i', inventory, ...SELECT, '--overwrite', '--prune', '--yes', '--state-dir', state, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { runId: string; totals: Record<string, number>; results: { key: string; action: string; outcome: string }[] };
    expect(out.totals).toEqual({ done: 40, skipped: 0, unknown: 0 });
    expect(sameBytes(atSnapshot, await selection(lab))).toEqual([]);
    expect(await etcdPids(lab)).toEqual(pids);
    expect(await memberIds(lab)).toEqual(members);
    expect(await outside(lab)).toEqual(others);
    // Run state: journal and audit key by key without values; prior values only in the 0600 file.
    const runDir = join(state, 'runs', out.runId);
    expect(readdirSync(runDir).sort()).toEqual(expect.arrayContaining(['audit.jsonl', 'objects-journal.jsonl', 'objects-values.jsonl']));
    expect(statSync(join(runDir, 'objects-values.jsonl')).mode & 0o777).toBe(0o600);
    const audit = readFileSync(join(runDir, 'audit.jsonl'), 'utf8');
    const ends = audit.trim().split('\n').map((l) => JSON.parse(l) as { type: string; stepId?: string; outcome?: string }).filter((x) => x.type === 'task-end');
    expect(ends.map((e) => e.stepId).sort()).toEqual([...deleted.map((k) => `create ${k}`), ...overwritten.map((k) => `overwrite ${k}`), ...added.map((k) => `delete ${k}`)].sort());
    for (const f of ['audit.jsonl', 'objects-journal.jsonl']) noSecrets(readFileSync(join(runDir, f), 'utf8'));
    noSecrets(r.stdout + r.stderr);
    const runs = await cliHere(['runs', '--state-dir', state]);
    expect(runs.stdout).toMatch(new RegExp(`${out.runId}\\s+objects-restore`));

    const back = await cliHere(['rollback', out.runId, '--state-dir', state]);
    expect(back.code, back.stderr).toBe(0);
    expect(sameBytes(preRestore, await selection(lab))).toEqual([]);
    expect(await etcdPids(lab)).toEqual(pids);
    expect(await memberIds(lab)).toEqual(members);
    expect(await outside(lab)).toEqual(others);
    noSecrets(back.stdout + back.stderr);
    noSecrets(readFileSync(join(runDir, 'audit.jsonl'), 'utf8') + readFileSync(join(runDir, 'objects-journal.jsonl'), 'utf8'));
    // Rolled back once: a second rollback has nothing left to do.
    const again = await cliHere(['rollback', out.runId, '--state-dir', state]);
    expect(again.code, again.stderr).toBe(0);
    expect(sameBytes(preRestore, await selection(lab))).toEqual([]);
  });

  it('a key changed live between the diff and the write is skipped, reported and left as changed', async () => {
    const lab = env.lab;
    const victim = overwritten[0] ?? '';
    const meanwhile = Buffer.from('changed while the operator read the diff');
    // Changed live whatever the earlier tests left, so that the restore plans to overwrite it.
    await putRaw(lab, [{ key: victim, value: Buffer.from('drifted since the snapshot') }]);
    const out = await restoreObjects({
      snapshot: snap.path, inventory, selectors: ['configmaps/objlab', 'secrets/objlab'], overwrite: true, prune: true, stateDir: join(dir, 'state'), env: process.env,
      approve: async (preview) => {
        expect(preview.writes.find((w) => w.key === victim)?.action).toBe('overwrite');
        await putRaw(lab, [{ key: victim, value: meanwhile }]);
        return true;
      },
    });
    expect(out.outcome).toBe('failed');
    expect(out.results.filter((x) => x.outcome !== 'done')).toEqual([{ key: victim, action: 'overwrite', outcome: 'skipped' }]);
    expect(out.totals).toMatchObject({ skipped: 1, unknown: 0 });
    const now = await selection(lab);
    expect(now.get(victim)?.equals(meanwhile)).toBe(true);
    now.set(victim, atSnapshot.get(victim) ?? Buffer.alloc(0));
    expect(sameBytes(atSnapshot, now)).toEqual([]);
    const audit = readFileSync(join(dir, 'state', 'runs', out.runId, 'audit.jsonl'), 'utf8');
    expect(audit).toContain(`"stepId":"overwrite ${victim}"`);
    expect(audit).toMatch(/"outcome":"skipped"[^\n]*changed live since the diff/);
  });

  it('warns before the gate (owner absent live, encrypted value); a declined restore writes nothing', async () => {
    const lab = env.lab;
    const ns = '/registry/pods/objlab-own/';
    const rsKey = '/registry/replicasets/objlab-own/rs-live';
    const rs = { kind: 'ReplicaSet', apiVersion: 'apps/v1' };
    await putRaw(lab, [
      { key: rsKey, value: encodeKubeObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs-live', namespace: 'objlab-own', uid: 'uid-rs-live', creationSeconds: 1 }) },
      { key: `${ns}orphan`, value: encodeOwned({ apiVersion: 'v1', kind: 'Pod', name: 'orphan', namespace: 'objlab-own', uid: 'uid-p1', owners: [{ ...rs, name: 'rs-gone', uid: 'uid-rs-gone' }] }) },
      { key: `${ns}kept`, value: encodeOwned({ apiVersion: 'v1', kind: 'Pod', name: 'kept', namespace: 'objlab-own', uid: 'uid-p2', owners: [{ ...rs, name: 'rs-live', uid: 'uid-rs-live' }] }) },
      { key: '/registry/secrets/objlab-own/enc', value: Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key1:'), randomBytes(48)]) },
    ]);
    const snap2 = await takeSnapshot(lab, 'cp1', join(dir, 'snapshot-owners.db'));
    await delRaw(lab, [`${ns}orphan`, `${ns}kept`, '/registry/secrets/objlab-own/enc']);
    const before = await range(lab);
    let shown: string[] = [];
    const out = await restoreObjects({
      snapshot: snap2.path, inventory, selectors: ['pods/objlab-own', 'secrets/objlab-own'], stateDir: join(dir, 'state'), env: process.env,
      approve: (preview) => {
        shown = preview.warnings.map((w) => `${w.code} ${w.key}`).sort();
        expect(preview.text).toContain('OBJECTS_WARN_OWNER_ABSENT');
        return Promise.resolve(false);
      },
    });
    expect(shown).toEqual(['OBJECTS_WARN_ENCRYPTED /registry/secrets/objlab-own/enc', `OBJECTS_WARN_OWNER_ABSENT ${ns}orphan`]);
    expect(out).toMatchObject({ approved: false, outcome: 'aborted', results: [] });
    expect([...(await range(lab))].map(([k, v]) => `${k}@${v.modRevision}`)).toEqual([...before].map(([k, v]) => `${k}@${v.modRevision}`));
  });

  it('a transaction etcd refuses (over its request size) is read back, then retried key by key', async () => {
    const lab = env.lab;
    const big = Array.from({ length: 3 }, (_, i) => ({ key: `/registry/configmaps/objlab-big/cm-${i}`, value: Buffer.alloc(600_000, 0x61 + i) }));
    await putRaw(lab, big.slice(0, 1));
    await putRaw(lab, big.slice(1, 2));
    await putRaw(lab, big.slice(2, 3));
    const snap3 = await takeSnapshot(lab, 'cp1', join(dir, 'snapshot-big.db'));
    await delRaw(lab, big.map((b) => b.key));
    // One transaction of ~1.8 MB: etcd refuses it (1.5 MiB limit), etcdctl exits non-zero.
    const out = await restoreObjects({
      snapshot: snap3.path, inventory, selectors: ['configmaps/objlab-big'], stateDir: join(dir, 'state'), env: process.env,
      approve: () => Promise.resolve(true), batch: { maxBytes: 10_000_000 },
    });
    expect(out.totals).toEqual({ done: 3, skipped: 0, unknown: 0 });
    const live = await range(lab, '/registry/configmaps/objlab-big/');
    for (const b of big) expect(live.get(b.key)?.value.equals(b.value)).toBe(true);
  });
});
