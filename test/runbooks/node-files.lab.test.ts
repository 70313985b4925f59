// The placeManifest and ensureFiles primitives on real lab nodes (real sshd, real etcd 3.4 with
// TLS), driven through plan + engine exactly as a runbook step calling the DR actions would be:
// a member whose etcd.yaml is gone gets it from the backup's copy of that node, or rebuilt from
// a survivor's (byte-identical to what kubeadm wrote); a member whose certificates are gone gets
// its own from the backup, or is refused with nothing changed; rollback puts every file back.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeManifest } from '../../src/actions/place-manifest.js';
import { restoreNodeFiles } from '../../src/actions/restore-node-files.js';
import type { ActionExpansion } from '../../src/actions/index.js';
import { executePlan, rollbackPlan, type RunResult } from '../../src/engine/index.js';
import { loadInventory } from '../../src/inventory/index.js';
import type { Inventory, Plan, RunEvent, Step } from '../../src/model/index.js';
import { buildPlan } from '../../src/plan/index.js';
import { createLocalTransport, createSshTransport } from '../../src/transport/index.js';
import { useLab } from '../lab/vitest.js';
import { drive, runbookPath } from './drive.js';

const env = useLab({ controlPlanes: 3, workers: 0 });
const work = mkdtempSync(join(tmpdir(), 'kubedr-node-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const CPS = ['cp1', 'cp2', 'cp3'];
const ETCD = '/etc/kubernetes/manifests/etcd.yaml';
const STASH = '/etc/kubernetes/kubedr-stash';
const CERTS = ['etcd/server.crt', 'etcd/server.key', 'etcd/peer.crt', 'etcd/peer.key'];
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
let inventory: Inventory;
let backup = '';
const originals = new Map<string, string>();

type Use = { place?: 'apply' | 'check'; certs?: 'apply' | 'check' };

/** The steps a runbook calling placeManifest / restoreNodeFiles expands to. */
function planFor(use: Use, params: { backup: string; search?: string }, nodes = CPS): Plan {
  const steps: Step[] = [];
  const step = (id: string, x: ActionExpansion, mode: 'apply' | 'check'): Step => ({
    id, name: id, targets: { nodes }, action: mode === 'apply' || !x.check ? x.action : x.check, ...(x.undo ? { undo: x.undo } : {}), ...(x.check ? { check: x.check } : {}),
    concurrency: { mode: 'parallel' }, retry: { attempts: 1, backoffMs: 0 }, timeoutMs: 60_000, idempotent: true, readOnly: false, onFailure: { mode: 'continue' },
  });
  if (use.certs) steps.push(step('node-certs', restoreNodeFiles.expand({ files: CERTS, backup: '{{ params.backup }}' }), use.certs));
  if (use.place) steps.push(step('stash-etcd', placeManifest.expand({ file: 'etcd.yaml', stashDir: STASH, searchPath: '{{ params.search }}', backup: '{{ params.backup }}' }), use.place));
  const runbook = {
    source: 'node-files.lab', name: 'node-files', hash: '0'.repeat(64), phases: [{ name: 'files', steps }],
    params: [{ name: 'backup', type: 'string' as const, required: false, default: '' }, { name: 'search', type: 'string' as const, required: false, default: '' }],
  };
  return buildPlan(runbook, inventory, { params: { backup: params.backup, search: params.search ?? '' } });
}

let counter = 0;
async function execute(plan: Plan, o: { rollback?: string; runId?: string } = {}): Promise<{ result: RunResult; out: (key: string) => string; runId: string }> {
  const rollback = o.rollback;
  const transport = createSshTransport({ nodes: inventory.nodes });
  const events: RunEvent[] = [];
  const runId = rollback ?? o.runId ?? `nf-${++counter}`;
  const deps = {
    transport, localTransport: createLocalTransport(), journal: { append: () => Promise.resolve() }, sinks: [(e: RunEvent) => events.push(e)],
    now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), approve: () => Promise.resolve(true),
  };
  const opts = { runId, mode: 'run' as const, secrets: {}, concurrency: 8, yes: true, rollback: 'never' as const, outputCap: 1 << 20, nodeLock: false as const, operator: 'lab@test' };
  try {
    const result = rollback
      ? await rollbackPlan(plan, deps, opts, { completed: new Set(plan.phases.flatMap((p) => p.steps.flatMap((s) => s.tasks.map((t) => t.key)))), captures: new Map(), withheld: new Set(), undoStack: plan.phases.flatMap((p) => p.steps.flatMap((s) => s.tasks.map((t) => t.key))) })
      : await executePlan(plan, deps, opts);
    const out = (key: string) => {
      const t = result.tasks.get(key);
      return `${t?.outcome ?? 'none'}\n${t?.stdout ?? ''}${t?.error ?? ''}`;
    };
    return { result, out, runId };
  } finally {
    await transport.close();
  }
}

const node = (n: string, p: string) => env.lab.hostPath(n, p);
const read = (n: string, p: string) => readFileSync(node(n, p), 'utf8');

beforeAll(async () => {
  inventory = await loadInventory(env.lab.inventoryPath);
  for (const n of CPS) originals.set(n, read(n, ETCD));
  const out = await drive({ runbook: runbookPath('etcd-backup'), inventory: env.lab.inventoryPath, params: { backupDir: join(work, 'backups') }, stateDir: join(work, 'state') });
  expect([...out.result.tasks.values()].filter((t) => t.outcome !== 'done')).toEqual([]);
  backup = join(work, 'backups', `lab-${out.runId}`);
});

describe.sequential('placeManifest on the lab', () => {
  it('check names the source per node and changes nothing: in place, the backup, a rebuild shown as a diff', async () => {
    const { lab } = env;
    await lab.exec('cp2', `mkdir -p /root/lost && mv ${ETCD} /root/lost/etcd.yaml`);
    const withBackup = await execute(planFor({ place: 'check' }, { backup }));
    expect(withBackup.out('stash-etcd@cp1')).toContain('etcd.yaml on cp1: in place (/etc/kubernetes/manifests)');
    expect(withBackup.out('stash-etcd@cp2')).toContain(`etcd.yaml on cp2: from the backup, ${backup}/nodes/cp2/manifests/etcd.yaml`);
    const rebuilt = await execute(planFor({ place: 'check' }, { backup: '' }));
    const cp2 = rebuilt.out('stash-etcd@cp2');
    expect(cp2).toMatch(/^done\netcd\.yaml on cp2: rebuilt from cp1:\/etc\/kubernetes\/manifests\/etcd\.yaml with cp2's identity \(--advertise-client-urls, --initial-advertise-peer-urls, --listen-client-urls, --listen-peer-urls, --name/);
    expect(cp2).toContain(`--- cp1:${ETCD}`);
    expect(cp2).toContain(`+    - --name=${inventory.nodes[1]?.etcd?.name ?? ''}`);
    expect(existsSync(node('cp2', STASH))).toBe(false);
    expect(read('cp1', ETCD)).toBe(originals.get('cp1'));
  });

  it('a found manifest is moved; a lost one comes from the backup; rollback puts everything back', async () => {
    const plan = planFor({ place: 'apply' }, { backup });
    const run = await execute(plan);
    expect(run.result.outcome).toBe('done');
    const stash = `${STASH}/${run.runId}/etcd.yaml`;
    for (const n of CPS) expect(read(n, stash), n).toBe(originals.get(n));
    expect(read('cp1', `${stash}.from`)).toBe('/etc/kubernetes/manifests\n');
    expect(read('cp2', `${stash}.created`)).toBe(`backup ${backup}/nodes/cp2/manifests/etcd.yaml\n`);
    expect(run.out('stash-etcd@cp2')).toContain('from the backup');
    // Resume: a stashed file is the first source, nothing moves again.
    const again = await execute(plan, { runId: run.runId });
    expect(again.result.outcome).toBe('done');
    expect(again.out('stash-etcd@cp2')).toContain('already stashed');
    for (const n of CPS) expect(read(n, stash), n).toBe(originals.get(n));

    const undo = await execute(plan, { rollback: run.runId });
    expect(undo.result.outcome).toBe('rolled-back');
    for (const n of ['cp1', 'cp3']) expect(read(n, ETCD), n).toBe(originals.get(n));
    expect(existsSync(node('cp2', ETCD))).toBe(false);
    expect(existsSync(node('cp2', stash))).toBe(false);
  });

  it('without a backup the lost manifest is rebuilt from a survivor, byte-identical to what kubeadm wrote', async () => {
    const run = await execute(planFor({ place: 'apply' }, { backup: '' }));
    expect(run.result.outcome).toBe('done');
    const stash = `${STASH}/${run.runId}/etcd.yaml`;
    expect(read('cp2', stash)).toBe(originals.get('cp2'));
    expect(read('cp2', `${stash}.created`)).toMatch(/^rebuilt cp[13]:/);
    await execute(planFor({ place: 'apply' }, { backup: '' }), { rollback: run.runId });
    for (const n of ['cp1', 'cp3']) expect(read(n, ETCD)).toBe(originals.get(n));
  });

  it('a member whose etcd.yaml is nowhere is reported as a missing manifest with its remedies', async () => {
    const { lab } = env;
    for (const n of ['cp1', 'cp3']) await lab.exec(n, `mkdir -p /root/lost && mv ${ETCD} /root/lost/etcd.yaml`);
    try {
      const run = await execute(planFor({ place: 'check' }, { backup: '' }));
      const cp2 = run.out('stash-etcd@cp2');
      expect(cp2).toMatch(/^failed\n/);
      expect(cp2).toContain(`MANIFEST_MISSING: no etcd.yaml for cp2 (etcd member ${inventory.nodes[1]?.etcd?.name ?? ''})`);
      expect(cp2).toContain('--param backup=DIR');
      expect(cp2).toContain('--param manifestSearchPath=DIR');
      expect(cp2).toContain('cp1 has none; cp3 has none');
      expect(cp2).not.toMatch(/systemd/);
      // The operator names where the files went: found there.
      const found = await execute(planFor({ place: 'check' }, { backup: '', search: '/root/lost' }, ['cp1']));
      expect(found.out('stash-etcd@cp1')).toContain('manifestSearchPath (/root/lost)');
    } finally {
      for (const n of ['cp1', 'cp3', 'cp2']) await lab.exec(n, `mv /root/lost/etcd.yaml ${ETCD}`);
    }
    for (const n of CPS) expect(read(n, ETCD)).toBe(originals.get(n));
  });
});

describe.sequential('ensureFiles (restoreNodeFiles) on the lab', () => {
  const pki = '/etc/kubernetes/pki';
  const saved = new Map<string, Buffer>();

  it("restores a member's own lost certificates from the backup, never another node's", async () => {
    const { lab } = env;
    for (const f of ['etcd/server.crt', 'etcd/peer.key']) saved.set(f, readFileSync(node('cp2', `${pki}/${f}`)));
    await lab.exec('cp2', `mkdir -p /root/lost-pki && mv ${pki}/etcd/server.crt ${pki}/etcd/peer.key /root/lost-pki/`);
    const check = await execute(planFor({ certs: 'check' }, { backup }));
    expect(check.out('node-certs@cp2')).toContain('missing etcd/server.crt etcd/peer.key');
    expect(check.out('node-certs@cp1')).toContain('all 4 files present');
    expect(existsSync(node('cp2', `${pki}/etcd/server.crt`))).toBe(false);

    const run = await execute(planFor({ certs: 'apply' }, { backup }));
    expect(run.result.outcome).toBe('done');
    for (const [f, bytes] of saved) expect(sha(readFileSync(node('cp2', `${pki}/${f}`))), f).toBe(sha(bytes));
    expect(sha(readFileSync(node('cp2', `${pki}/etcd/server.crt`)))).not.toBe(sha(readFileSync(node('cp1', `${pki}/etcd/server.crt`))));
    const undo = await execute(planFor({ certs: 'apply' }, { backup }), { rollback: run.runId });
    expect(undo.result.outcome).toBe('rolled-back');
    expect(existsSync(node('cp2', `${pki}/etcd/server.crt`))).toBe(false);
    expect(existsSync(node('cp2', `${pki}/etcd/server.crt.kubedr-undone`))).toBe(true);
  });

  it('refuses, naming what is missing and how to provide it, when there is no backup or it lacks the file; nothing changes', async () => {
    const none = await execute(planFor({ certs: 'apply' }, { backup: '' }));
    expect(none.out('node-certs@cp2')).toMatch(/^failed\n/);
    expect(none.out('node-certs@cp2')).toContain('FILES_MISSING: cp2 lacks /etc/kubernetes/pki/etcd/server.crt, /etc/kubernetes/pki/etcd/peer.key and no backup was given');
    expect(none.out('node-certs@cp2')).toContain("never copy another node's");
    // A backup that lacks one of the two: neither is uploaded.
    const partial = join(work, 'partial');
    cpSync(backup, partial, { recursive: true });
    const sums = join(partial, 'SHA256SUMS');
    writeFileSync(sums, readFileSync(sums, 'utf8').split('\n').filter((l) => !l.endsWith('  nodes/cp2/pki/etcd/peer.key')).join('\n'));
    const lacking = await execute(planFor({ certs: 'apply' }, { backup: partial }));
    expect(lacking.out('node-certs@cp2')).toContain(`the backup ${partial} has no nodes/cp2/pki/etcd/peer.key`);
    expect(lacking.out('node-certs@cp2')).toContain('nothing was changed');
    expect(existsSync(node('cp2', `${pki}/etcd/server.crt`))).toBe(false);
    // A copy whose bytes changed is refused too.
    writeFileSync(join(partial, 'nodes/cp2/pki/etcd/server.crt'), 'tampered');
    const bad = await execute(planFor({ certs: 'check' }, { backup: partial }));
    expect(bad.out('node-certs@cp2')).toContain('differs from SHA256SUMS');
    await env.lab.exec('cp2', `mv /root/lost-pki/server.crt /root/lost-pki/peer.key ${pki}/etcd/`);
  });
});
