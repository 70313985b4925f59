// Restore drill without the lab: parsing etcdctl's JSON, judging a restore, comparing with live
// keys; the teardown script's safety rules run for real in sh (it never signals a process that
// is not our etcd, never removes a dir that is not a drill scratch dir); the port check sees a
// port this test holds; the CLI refuses a drill with no target (exit 2).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWithLive, parseKeysJson, parseQuery, parseValuesJson, verifyRestored } from '../../src/etcd/drill/compare.js';
import { valueDigest } from '../../src/etcd/snapshot/index.js';
import { PORTS_TAKEN_EXIT, startScript, teardownScript } from '../../src/etcd/drill/scripts.js';
import { drill } from '../../src/app/drill.js';
import { drillCleanup, type DrillCleanupOutput } from '../../src/app/drill-cleanup.js';
import { cliHere, startCli } from '../e2e/support.js';
import { until } from '../helpers/until.js';

// Real etcd and a CLI child per test: at load 30 one takes minutes. This only bounds a hang.
const HANG_GUARD = 300_000;
import { expectedOf, fixturePath } from '../etcd/snapshot/fixtures.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const keysJson = (rev: number, keys: string[]): string => JSON.stringify({ header: { revision: rev }, kvs: keys.map((k) => ({ key: b64(k) })), count: keys.length });
const sh = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8' });

describe('drill verdicts', () => {
  it('parses etcdctl JSON (keys are base64) and an empty keyspace', () => {
    expect(parseKeysJson(keysJson(7, ['/registry/pods/a/b', '/x']), 'k')).toEqual({ revision: 7, keys: ['/registry/pods/a/b', '/x'] });
    expect(parseKeysJson('{"header":{"revision":1}}', 'k')).toEqual({ revision: 1, keys: [] });
    expect(() => parseKeysJson('Error: context deadline exceeded', 'live')).toThrow(/live: etcdctl did not print JSON/);
    const q = parseQuery(`http://127.0.0.1:1 is healthy: successfully committed proposal\n[{"Status":{"header":{"revision":5}}}]\n${keysJson(5, ['/a'])}`);
    expect(q).toEqual({ healthy: true, revision: 5, keys: ['/a'] });
  });

  it('a faithful restore has no problems; a wrong revision, count or key set is named', () => {
    const want = { revision: 5, liveKeys: new Set(['/a', '/b']) };
    expect(verifyRestored({ healthy: true, revision: 5, keys: ['/b', '/a'] }, want)).toEqual([]);
    expect(verifyRestored({ healthy: false, revision: 4, keys: ['/a', '/c'] }, want)).toEqual([
      'the throwaway etcd is not healthy', 'revision 4, the snapshot has 5', '1 key(s) not in the snapshot, e.g. /c', '1 key(s) of the snapshot missing, e.g. /b',
    ]);
  });

  it('compares with live keys per resource type: what a restore would add, remove and change', () => {
    const d = (v: string): string => valueDigest(Buffer.from(v));
    const snap = new Map([['/registry/pods/ns/p1', d('p1')], ['/registry/configmaps/ns/c1', d('c1')], ['/registry/configmaps/ns/c2', d('c2')], ['/registry/apps.example.com/widgets/ns/w', d('w')]]);
    const live = new Map([['/registry/configmaps/ns/c1', d('c1')], ['/registry/configmaps/ns/c2', d('c2 overwritten')], ['/registry/configmaps/junk/j1', d('j')], ['/registry/configmaps/junk/j0', d('j')], ['other', d('o')]]);
    const c = compareWithLive(snap, { revision: 9, values: live });
    expect(c).toEqual({
      liveRevision: 9,
      liveKeys: 5,
      totals: { wouldAdd: 2, wouldRemove: 3, wouldChange: 1, unchanged: 1 },
      resources: {
        '(outside /registry)': { wouldAdd: [], wouldRemove: ['other'], wouldChange: [] },
        'apps.example.com/widgets': { wouldAdd: ['/registry/apps.example.com/widgets/ns/w'], wouldRemove: [], wouldChange: [] },
        configmaps: { wouldAdd: [], wouldRemove: ['/registry/configmaps/junk/j0', '/registry/configmaps/junk/j1'], wouldChange: ['/registry/configmaps/ns/c2'] },
        pods: { wouldAdd: ['/registry/pods/ns/p1'], wouldRemove: [], wouldChange: [] },
      },
    });
  });

  it('digests live values as the snapshot reader does (etcdctl JSON values are base64)', () => {
    const json = JSON.stringify({ header: { revision: 4 }, kvs: [{ key: b64('/a'), value: b64('k8s\u0000x') }, { key: b64('/b') }] });
    expect(parseValuesJson(json, 'live')).toEqual({ revision: 4, values: new Map([['/a', valueDigest(Buffer.from('k8s\u0000x'))], ['/b', valueDigest(Buffer.alloc(0))]]) });
    expect(() => parseValuesJson('Error: x', 'live get')).toThrow(/live get: etcdctl did not print JSON/);
  });
});

describe('drill scripts, run in sh', () => {
  const base = mkdtempSync(join(tmpdir(), 'kubedr-drill-unit-'));
  const servers: Server[] = [];
  afterAll(() => {
    servers.forEach((s) => s.close());
    rmSync(base, { recursive: true, force: true });
  });

  it('teardown refuses a path that is not a drill scratch dir', () => {
    const victim = join(base, 'precious');
    mkdirSync(victim);
    const r = sh(teardownScript(victim));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not a drill scratch dir');
    expect(existsSync(victim)).toBe(true);
  });

  it('teardown never signals a PID that is not our etcd on our data dir, and removes the scratch dir', async () => {
    const scratch = join(base, 'kubedr-drill-abc123');
    mkdirSync(scratch);
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(scratch, 'etcd.pid'), `${other.pid ?? 0}\n`);
      const r = sh(teardownScript(scratch));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('stopped etcd');
      expect(existsSync(scratch)).toBe(false);
      expect(other.exitCode).toBeNull();
      expect(() => process.kill(other.pid ?? 0, 0)).not.toThrow();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('start refuses ports that are already listening (exit PORTS_TAKEN_EXIT), before starting anything', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const scratch = join(base, 'kubedr-drill-ports1');
    mkdirSync(scratch);
    const r = sh(startScript(scratch, 1, { client: port, peer: port + 1 }, 1000));
    expect(r.status).toBe(PORTS_TAKEN_EXIT);
    expect(r.stderr).toContain(`port ${port} is taken`);
    expect(existsSync(join(scratch, 'etcd.pid'))).toBe(false);
  });
});

describe('drill on this machine (real etcd, no lab)', () => {
  const state = mkdtempSync(join(tmpdir(), 'kubedr-drill-state-'));
  const scratchBase = mkdtempSync(join(tmpdir(), 'kubedr-drill-base-'));
  afterAll(() => [state, scratchBase].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const leftovers = (): string[] => spawnSync('ls', [scratchBase], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

  it('restores a committed fixture: revision and live keys as etcdctl reported them; nothing left', async () => {
    const want = expectedOf('cluster-a');
    const out = await drill({ snapshot: fixturePath('cluster-a'), local: true, scratchBase, stateDir: state, env: {} });
    expect(out.problems).toEqual([]);
    expect(out.ok).toBe(true);
    expect(out.restored?.revision).toBe(want.status.revision);
    expect([...(out.restored?.keys ?? [])].sort()).toEqual([...want.liveKeys].sort());
    expect(out.cleanedUp).toBe(true);
    expect(leftovers()).toEqual([]);
  }, HANG_GUARD);

  it('interrupted after the upload: no etcd is started, the scratch dir is still removed', async () => {
    const abort = new AbortController();
    const out = await drill({
      snapshot: fixturePath('cluster-a'), local: true, scratchBase, stateDir: state, env: {}, signal: abort.signal,
      sinks: [(e) => { if (e.kind === 'task-end' && e.stepId === 'upload') abort.abort(); }],
    });
    expect(out.ok).toBe(false);
    expect(out.problems).toEqual(['interrupted by the operator']);
    expect(out.stages.map((x) => `${x.id}=${x.outcome}`)).toEqual(['inspect-snapshot=done', 'tools=done', 'scratch=done', 'upload=done', 'teardown=done']);
    expect(out.cleanedUp).toBe(true);
    expect(leftovers()).toEqual([]);
  }, HANG_GUARD);
});

describe('kubedr drill --cleanup (real etcd, no lab)', () => {
  const state = mkdtempSync(join(tmpdir(), 'kubedr-drill-state-'));
  const scratchBase = mkdtempSync(join(tmpdir(), 'kubedr-drill-base-'));
  afterAll(() => [state, scratchBase].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const scratch = (): string[] => readdirSync(scratchBase).filter((f) => f.startsWith('kubedr-drill-')).map((f) => join(scratchBase, f));
  /** The PID of the etcd running on `dir`'s data, once the pid file's shell has exec'd into it. */
  const etcdOf = (dir: string): number | undefined => {
    try {
      const pid = Number(readFileSync(join(dir, 'etcd.pid'), 'utf8').trim());
      return pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/data-`) ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';

  it('a drill SIGKILLed with its etcd running leaves both behind; --cleanup stops that etcd and removes the dir', async () => {
    const run = startCli(['drill', fixturePath('cluster-a'), '--local', '--scratch', scratchBase, '--state-dir', state]);
    // Frozen as soon as its throwaway etcd has a PID, so it cannot reach its own teardown.
    let dir = '';
    await until('a throwaway etcd with a PID', () => (dir = scratch().find((d) => etcdOf(d) !== undefined) ?? '') !== '', 25);
    run.child.kill('SIGSTOP');
    run.child.kill('SIGKILL');
    await run.done;
    expect(dir, 'a throwaway etcd started').not.toBe('');
    const pid = etcdOf(dir);
    expect(pid, 'the throwaway etcd outlives a SIGKILLed drill').toBeDefined();
    expect(readFileSync(join(dir, 'owner'), 'utf8').trim()).toBe(`${hostname()} ${run.child.pid ?? 0}`);

    const r = await cliHere(['drill', '--cleanup', '--local', '--scratch', scratchBase, '--state-dir', state, '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = (JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { drillCleanup: DrillCleanupOutput }).drillCleanup;
    expect(out.removed.map((x) => x.dir)).toEqual([dir]);
    expect(out.removed[0]?.detail).toMatch(new RegExp(`stopped etcd ${String(pid)}; removed `));
    expect(alive(pid ?? 0)).toBe(false);
    expect(scratch()).toEqual([]);
    const records = readFileSync(join(state, 'runs', out.runId, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; runbook?: string; stepId?: string; outcome?: string });
    expect(records[0]).toMatchObject({ type: 'run-start', mode: 'drill', runbook: 'restore-drill-cleanup' });
    expect(records.filter((x) => x.type === 'task-end').map((x) => `${x.stepId ?? ''}=${x.outcome ?? ''}`)).toEqual(['list=done', 'teardown=done']);
  }, HANG_GUARD);

  it('keeps the dir of a drill still running here, and of one made elsewhere unless --force', async () => {
    const mine = mkdtempSync(join(scratchBase, 'kubedr-drill-'));
    writeFileSync(join(mine, 'owner'), `${hostname()} ${process.pid}\n`);
    const elsewhere = mkdtempSync(join(scratchBase, 'kubedr-drill-'));
    writeFileSync(join(elsewhere, 'owner'), 'bastion-7 4242\n');
    const dead = mkdtempSync(join(scratchBase, 'kubedr-drill-'));
    writeFileSync(join(dead, 'owner'), `${hostname()} ${2 ** 22 + 7}\n`);
    const first = await drillCleanup({ local: true, scratchBase, stateDir: state, env: {} });
    expect(first.removed.map((x) => x.dir)).toEqual([dead]);
    // The listing order is the node's (glob, locale), the names random: compare sorted alike.
    const byDir = (a: { dir: string }, b: { dir: string }): number => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0);
    expect([...first.kept].sort(byDir)).toEqual([
      { dir: elsewhere, reason: expect.stringMatching(/^made by a drill on bastion-7 \(pid 4242\).*--force$/) as unknown as string },
      { dir: mine, reason: `its drill is still running (pid ${process.pid})` },
    ].sort(byDir));
    const forced = await drillCleanup({ local: true, scratchBase, stateDir: state, env: {}, force: true });
    expect(forced.removed.map((x) => x.dir)).toEqual([elsewhere]);
    expect(scratch()).toEqual([mine]);
    rmSync(mine, { recursive: true });
    // A mistyped --scratch is an error that says what to pass, not "nothing to clean".
    const typo = await cliHere(['drill', '--cleanup', '--local', '--scratch', join(scratchBase, 'no-such-dir'), '--state-dir', state]);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toMatch(/FAILED +\(listing\): .*no-such-dir is not a directory on .*: give the --scratch the drills used/);
  }, HANG_GUARD);
});

describe('kubedr drill (CLI, no lab)', () => {
  it('needs exactly one of --node and --local (exit 2)', async () => {
    const r = await cliHere(['drill', '/nonexistent.db']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DRILL_BAD_TARGET');
    const both = await cliHere(['drill', '/nonexistent.db', '--local', '--node', 'cp1', '-i', 'test/fixtures/inventories/three-masters.yaml']);
    expect(both.code).toBe(2);
  });
});
