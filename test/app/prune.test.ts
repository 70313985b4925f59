// kubedr prune without the lab: the scan script runs for real in sh over a tree laid out like a
// node after several runs; run states come from real journal lines; the removal runbook plans.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScan, runIdOf, scanScript } from '../../src/app/prune-scan.js';
import { parseAge, readKnownRuns } from '../../src/app/prune-runs.js';
import { removalRunbook, type PruneEntry } from '../../src/app/prune.js';
import { planTexts } from '../../src/app/plan.js';
import type { InventoryNode } from '../../src/model/index.js';

const root = mkdtempSync(join(tmpdir(), 'kubedr-prune-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const touch = (p: string, bytes = 10): void => {
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, Buffer.alloc(bytes));
};

const node = (base: string): InventoryNode => ({
  name: 'cp1', address: '127.0.0.1', roles: ['control-plane', 'etcd'], groups: [], labels: {}, vars: {},
  ssh: { user: 'root', port: 22, connectTimeoutMs: 1000 }, become: { enabled: false, method: 'sudo' },
  paths: { manifestDir: `${base}/etc/kubernetes/manifests`, etcdDataDir: `${base}/var/lib/etcd`, pkiDir: `${base}/etc/kubernetes/pki` },
});

describe('prune scan', () => {
  it('finds every kind of leftover with its run id and size, and nothing else', () => {
    const b = join(root, 'n1');
    const r1 = '20261201T100000Z-aaaaaa';
    const r2 = '20261201T110000Z-bbbbbb';
    touch(`${b}/var/lib/etcd/member/snap/db`);
    touch(`${b}/var/lib/etcd.kubedr-before-${r1}/member/snap/db`, 64 * 1024);
    touch(`${b}/etc/kubernetes/kubedr-stash/${r1}/etcd.yaml`);
    touch(`${b}/etc/kubernetes/kubedr-backup/${r2}/edit/etcd.yaml`);
    touch(`${b}/etc/kubernetes/kubedr-stash/kubedr-backup/${r1}/edit-etcd-manifest/etcd.yaml`);
    touch(`${b}/etc/kubernetes/manifests/etcd.yaml`);
    touch(`${b}/stage/${r1}/snapshot.db`);
    touch(`${b}/stage/${r1}/restored.undone.1700000000/member/x`);
    touch(`${b}/stage/${r1}/placed-undone/etcd.yaml.kubedr-undone.1700000000`);
    touch(`${b}/backups/${r2}.undone.1700000000/snapshot.db`);
    touch(`${b}/backups/not a run id/x`);
    const n = node(b);
    const roots = { stageDirs: [`${b}/stage`], backupStageDirs: [`${b}/backups`], stashDirs: [] };
    const r = spawnSync('sh', ['-c', scanScript(n, roots)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const found = parseScan(n, roots, r.stdout).map((l) => [l.kind, l.runId, l.path.slice(b.length), l.bytes > 0, l.detail]).sort();
    expect(found).toEqual([
      ['backup-staging', r2, `/backups/${r2}.undone.1700000000`, true, 'snapshot.db'],
      ['manifest-backup', r1, `/etc/kubernetes/kubedr-stash/kubedr-backup/${r1}`, true, 'edit-etcd-manifest'],
      ['manifest-backup', r2, `/etc/kubernetes/kubedr-backup/${r2}`, true, 'edit'],
      ['manifest-stash', r1, `/etc/kubernetes/kubedr-stash/${r1}`, true, 'etcd.yaml'],
      ['old-data-dir', r1, `/var/lib/etcd.kubedr-before-${r1}`, true, 'member'],
      ['run-staging', r1, `/stage/${r1}`, true, 'placed-undone,restored.undone.1700000000,snapshot.db'],
    ]);
    expect(parseScan(n, roots, r.stdout).find((l) => l.kind === 'old-data-dir')?.bytes).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('takes a run id only from a name kubedr makes', () => {
    expect(runIdOf('run-staging', 'r1.partial.12')).toBe('r1');
    expect(runIdOf('old-data-dir', 'r1.partial.12')).toBe('r1.partial.12');
    expect(runIdOf('manifest-stash', '.hidden')).toBeUndefined();
    expect(runIdOf('manifest-stash', 'a b')).toBeUndefined();
  });
});

describe('prune run states', () => {
  const at = '2026-12-01T10:00:00.000Z';
  const start = (id: string): string => JSON.stringify({ r: 'run-start', runId: id, mode: 'run', planHash: 'h', runbookHash: 'h', inventoryHash: 'h', params: {}, secretParams: [], at });
  const write = (state: string, id: string, lines: string[]): void => {
    mkdirSync(join(state, 'runs', id), { recursive: true });
    writeFileSync(join(state, 'runs', id, 'journal.jsonl'), `${[start(id), ...lines].join('\n')}\n`);
  };
  it('only runs that ended done or rolled back are prunable; resumed, crashed and failed ones are not', () => {
    const state = join(root, 'state');
    write(state, 'done', [JSON.stringify({ r: 'run-end', outcome: 'done', at })]);
    write(state, 'back', [JSON.stringify({ r: 'run-end', outcome: 'rolled-back', at })]);
    write(state, 'failed', [JSON.stringify({ r: 'run-end', outcome: 'failed', at })]);
    write(state, 'crashed', []);
    write(state, 'resumed', [JSON.stringify({ r: 'run-end', outcome: 'failed', at }), JSON.stringify({ r: 'resume', assumeDone: [], rerun: [], forceChanged: false, at })]);
    const runs = readKnownRuns(state);
    expect(Object.fromEntries([...runs].map(([id, r]) => [id, r.state]))).toEqual({ done: 'finished', back: 'rolled-back', failed: 'failed', crashed: 'in-progress', resumed: 'in-progress' });
    expect(runs.get('done')?.startedAt).toBe(Date.parse(at));
  });

  it('parses --older-than', () => {
    expect(parseAge('7d')).toBe(7 * 86_400_000);
    expect(parseAge('30m')).toBe(1_800_000);
    expect(parseAge('7 days')).toBeUndefined();
  });
});

describe('prune removal runbook', () => {
  it('plans one rm per node of exactly the listed paths, quoted', () => {
    const e = (nodeName: string, path: string): PruneEntry => ({ node: nodeName, runId: 'r1', kind: 'run-staging', path, bytes: 1, detail: '', state: 'finished', verdict: 'remove', reason: '' });
    const text = removalRunbook([e('cp1', '/var/lib/kubedr/runs/r1'), e('cp1', "/odd/it's"), e('@local', '/b/.x.kubedr-0123456789ab.tmp')]);
    const inv = readFileSync('test/fixtures/inventories/three-masters.yaml', 'utf8');
    const out = planTexts({ text, source: 'prune.yaml' }, { text: inv, source: 'inv.yaml' });
    const steps = out.plan.phases.flatMap((p) => p.steps);
    expect(steps.map((s) => [s.id, s.tasks.map((t) => t.node)])).toEqual([['remove-1', ['cp1']], ['remove-2', ['@local']]]);
    expect(out.text).toContain("for p in /var/lib/kubedr/runs/r1 '/odd/it'\\''s'; do");
  });
});
