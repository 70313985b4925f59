// etcd-backup's DR actions: the rendered commands per node, their argument errors, and the
// rendered scripts RUN here against a stand-in etcdctl/etcdutl and real files, end to end into a
// backup dir that src/etcd/backup reads (the lab test runs the same runbook against real etcd).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandDrAction } from '../../src/actions/index.js';
import { loadBackup } from '../../src/etcd/backup/index.js';
import type { PlannedAction, PlanStep } from '../../src/model/index.js';
import { buildPlan } from '../../src/plan/index.js';
import { resolveText } from '../../src/plan/text.js';
import { readRunbook } from '../../src/runbook/index.js';
import { fixtureInventory, runbookWith } from '../helpers/build.js';

const work = mkdtempSync(join(tmpdir(), 'kubedr-backup-actions-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const RUN = 'r1';

function planned(action: string, args: string, targets = '{ nodes: [cp3] }'): PlanStep {
  const rb = runbookWith(`      - id: s\n${targets ? `        targets: ${targets}\n` : ''}        ${action}: ${args}\n`);
  const step = buildPlan(rb, fixtureInventory(), { params: {} }).phases[0]?.steps[0];
  if (!step) throw new Error('no step');
  return step;
}

/** The command of a planned shell or local action with run.id resolved, as the engine runs it. */
function text(a: PlannedAction | undefined): string {
  if (a?.kind === 'shell') return resolveText(a.script, (r) => (r === 'run.id' ? RUN : undefined));
  if (a?.kind === 'local') return resolveText(a.command, (r) => (r === 'run.id' ? RUN : undefined));
  throw new Error(`not a shell/local action: ${a?.kind ?? 'none'}`);
}

// Stand-ins for etcdctl and etcdutl: each call logged; answers as etcd 3.4 prints them.
const bin = join(work, 'bin');
const log = join(work, 'calls.log');
mkdirSync(bin);
const FAKE = `#!/bin/sh
echo "$(basename "$0") $*" >> "$FAKE_LOG"
for a in "$@"; do case $a in --endpoints=*) ep=\${a#--endpoints=} ;; esac; done
case "$*" in
  *"endpoint health"*) [ "$ep" != "$FAKE_DOWN" ] ;;
  *"endpoint status"*) echo '[{"Endpoint":"'"$ep"'","Status":{"header":{"cluster_id":1,"revision":40,"raft_term":3},"version":"3.4.27","dbSize":1,"raftIndex":57,"raftTerm":3}}]' ;;
  *"snapshot save"*) for last in "$@"; do :; done; printf 'snapshot bytes' > "$last" ;;
  *json*"snapshot status"*) echo '{"hash":1,"revision":40,"totalKey":12,"totalSize":20480}' ;;
  *"snapshot status"*) echo '| HASH | REVISION |' ;;
  *"member list"*) printf '%s\\n' '1, started, cp1, https://127.0.0.11:2380, https://127.0.0.11:2379, false' '2, started, cp2, https://127.0.0.12:2380, https://127.0.0.12:2379, false' '3, started, etcd-three, https://127.0.0.13:2380, https://127.0.0.13:2379, false' ;;
  *) exit 9 ;;
esac
`;
for (const tool of ['etcdctl', 'etcdutl']) {
  writeFileSync(join(bin, tool), FAKE);
  chmodSync(join(bin, tool), 0o755);
}
function sh(script: string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_LOG: log, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const calls = (): string[] => readFileSync(log, 'utf8').trim().split('\n');

describe('etcd-backup actions: rendering', () => {
  it('saveSnapshot: etcdctl over the inventory TLS on the first healthy endpoint, status with etcd.tool, once', () => {
    const step = planned('saveSnapshot', '{ stageDir: "/srv/kubedr stage", tool: etcdctl }');
    const s = text(step.tasks[0]?.action);
    expect(s).toContain("stage='/srv/kubedr stage'/r1; eps=https://127.0.0.11:2379,https://127.0.0.12:2379,https://127.0.0.13:2379");
    expect(s).toContain('etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key --endpoints="$e" endpoint health');
    expect(s).toContain('if [ -e "$stage/snapshot.db" ]; then echo "snapshot already saved by this run');
    expect(s).toContain('tool=etcdctl');
    expect(step).toMatchObject({ idempotent: true, timeoutMs: 1_800_000 });
    expect(step.readOnly).not.toBe(true);
    expect(text(step.tasks[0]?.undo)).not.toMatch(/\brm\b/);
    expect(text(step.tasks[0]?.check)).not.toMatch(/\b(mkdir|mv|rm|snapshot save)\b/);
    // The inventory's etcd.tool by default.
    expect(text(planned('saveSnapshot', '{}').tasks[0]?.action)).toContain('tool=auto\n');
  });

  it('collectNodeFiles: the node\'s own dirs, shared CA material by name, every control-plane node', () => {
    const step = planned('collectNodeFiles', '{}', '{ roles: [control-plane] }');
    expect(step.tasks.map((t) => t.node)).toEqual(['cp1', 'cp2', 'cp3']);
    const s = text(step.tasks[2]?.action);
    expect(s).toContain('stage=/var/lib/kubedr/backups/r1; node=cp3');
    expect(s).toContain('m=/etc/kubernetes/manifests; pki=/etc/kubernetes/pki; kc=/etc/kubernetes/kubeadm-config.yaml');
    expect(s).toContain('case "$f" in ca.crt|ca.key|sa.key|sa.pub|front-proxy-ca.crt|front-proxy-ca.key|etcd/ca.crt|etcd/ca.key) to="$out/shared/pki/$f"');
    expect(text(step.tasks[2]?.undo)).not.toMatch(/\brm\b/);
  });

  it('fetchBackupFile: each file to its place in <backupDir>/<cluster>-<run>/', () => {
    const dests = (['node-files.tar', 'snapshot.db', 'snapshot.db.sha256', 'cluster.json'] as const).map((file) => {
      const a = planned('fetchBackupFile', `{ backupDir: /srv/b, file: ${file} }`).tasks[0]?.action;
      return a?.kind === 'download' ? [resolveText(a.src, () => RUN), resolveText(a.dest, () => RUN)] : [];
    });
    expect(dests).toEqual([
      ['/var/lib/kubedr/backups/r1/node-files.tar', '/srv/b/lab-r1/.parts/cp3.tar'],
      ['/var/lib/kubedr/backups/r1/snapshot.db', '/srv/b/lab-r1/snapshot.db'],
      ['/var/lib/kubedr/backups/r1/snapshot.db.sha256', '/srv/b/lab-r1/snapshot.db.sha256'],
      ['/var/lib/kubedr/backups/r1/cluster.json', '/srv/b/lab-r1/cluster.json'],
    ]);
  });

  it('bad arguments: RUNBOOK_ACTION_ARGS at the argument, naming what the action takes', () => {
    const doc = (step: string) => `apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: t }\nphases:\n  - name: main\n    steps:\n      - id: s\n        targets: { roles: [etcd] }\n${step}`;
    const problems = (step: string) => readRunbook(doc(step), 'inline.yaml').problems.map((p) => ({ code: p.code, at: p.pos ? `${p.pos.line}:${p.pos.col}` : '', message: p.message, hint: p.hint ?? '' }));
    const [bad] = problems('        fetchBackupFile: { backupDir: /srv/b, file: etcd.yaml }\n');
    expect(bad).toMatchObject({ code: 'RUNBOOK_ACTION_ARGS', at: '9:53' });
    expect(bad?.message).toMatch(/^step "s": fetchBackupFile arguments: .*file/);
    expect(bad?.hint).toContain('fetchBackupFile takes: backupDir, file, stageDir');
    expect(problems('        sealBackup: {}\n')[0]).toMatchObject({ code: 'RUNBOOK_ACTION_ARGS', message: expect.stringContaining('backupDir') });
    expect(problems('        saveSnapshot: { stagedir: /x }\n')[0]).toMatchObject({ code: 'RUNBOOK_ACTION_ARGS', hint: expect.stringContaining('did you mean "stageDir"') });
    expect(problems('        collectNodeFiles: {}\n        undo: { shell: "true" }\n')[0]).toMatchObject({ code: 'RUNBOOK_ACTION_OWNS_FIELD', at: '10:9' });
  });
});

describe('etcd-backup actions: the rendered scripts, run', () => {
  const backupDir = join(work, 'backups');
  const dir = join(backupDir, `lab-${RUN}`);
  const stage = (node: string) => join(work, `stage-${node}`);
  // Two nodes' trees: the same CA, each its own server cert; a kubeadm config on cp2 only.
  const tree = (node: string, ca = 'the CA') => {
    const root = join(work, `node-${node}`);
    for (const [f, body] of Object.entries({ 'manifests/etcd.yaml': `etcd of ${node}`, 'manifests/kube-apiserver.yaml': `apiserver of ${node}`, 'pki/ca.crt': ca, 'pki/etcd/ca.key': 'etcd CA key', 'pki/etcd/server.crt': `server of ${node}`, 'pki/apiserver.crt': `apiserver cert of ${node}` })) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), body);
    }
    if (node === 'cp2') writeFileSync(join(root, 'kubeadm.yaml'), 'kind: ClusterConfiguration\n');
    return root;
  };
  const collect = (node: string, root: string) =>
    sh(text(planned('collectNodeFiles', `{ stageDir: ${stage(node)}, manifestDir: ${root}/manifests, pkiDir: ${root}/pki, kubeadmConfig: ${root}/kubeadm.yaml }`, `{ nodes: [${node}] }`).tasks[0]?.action));

  it('saveSnapshot + snapshotFacts: the snapshot from the first healthy endpoint, cluster.json from etcd', () => {
    writeFileSync(log, '');
    // etcdutl is installed too: `tool: etcdctl` must still be what reads the snapshot.
    const save = sh(text(planned('saveSnapshot', `{ stageDir: ${stage('cp1')}, tool: etcdctl }`, '{ nodes: [cp1] }').tasks[0]?.action), { FAKE_DOWN: 'https://127.0.0.11:2379' });
    expect(save, save.stderr).toMatchObject({ code: 0 });
    expect(calls().filter((c) => c.includes('snapshot save'))).toEqual([expect.stringMatching(/^etcdctl .*--endpoints=https:\/\/127\.0\.0\.12:2379 snapshot save /)]);
    expect(calls().filter((c) => c.includes('snapshot status'))).toEqual([expect.stringMatching(/^etcdctl --write-out=json snapshot status /)]);
    const sha = execFileSync('sha256sum', [join(stage('cp1'), RUN, 'snapshot.db')], { encoding: 'utf8' }).split(' ')[0] ?? '';
    expect(readFileSync(join(stage('cp1'), RUN, 'snapshot.db.sha256'), 'utf8')).toBe(`${sha}  snapshot.db\n`);
    // Again (resume): the saved snapshot is kept, not taken again.
    writeFileSync(log, '');
    expect(sh(text(planned('saveSnapshot', `{ stageDir: ${stage('cp1')} }`, '{ nodes: [cp1] }').tasks[0]?.action)).code).toBe(0);
    expect(calls().filter((c) => c.includes('snapshot save'))).toEqual([]);
    // The inventory's etcd.tool (auto): etcdutl, as it is installed.
    expect(calls().filter((c) => c.includes('snapshot status'))).toEqual([expect.stringMatching(/^etcdutl --write-out=json snapshot status /)]);

    // cluster.json from the status saveSnapshot kept: the snapshot is not read a second time.
    writeFileSync(log, '');
    const facts = sh(text(planned('snapshotFacts', `{ stageDir: ${stage('cp1')} }`, '{ nodes: [cp1] }').tasks[0]?.action));
    expect(facts, facts.stderr).toMatchObject({ code: 0 });
    const cluster = JSON.parse(readFileSync(join(stage('cp1'), RUN, 'cluster.json'), 'utf8')) as Record<string, unknown>;
    expect(cluster).toMatchObject({
      cluster: 'lab',
      members: [
        { name: 'cp1', peerURL: 'https://127.0.0.11:2380', clientURL: 'https://127.0.0.11:2379' },
        { name: 'cp2', peerURL: 'https://127.0.0.12:2380', clientURL: 'https://127.0.0.12:2379' },
        { name: 'etcd-three', peerURL: 'https://127.0.0.13:2380', clientURL: 'https://127.0.0.13:2379' },
      ],
      etcdVersion: '3.4.27', revision: 40, raftIndex: 57, totalKeys: 12, sha256: sha, takenFrom: 'cp1', endpoint: 'https://127.0.0.12:2379',
    });
    expect(calls().filter((c) => c.includes('snapshot status'))).toEqual([]);
  });

  it('saveSnapshot fails, saving nothing, when no endpoint is healthy', () => {
    const r = sh(text(planned('saveSnapshot', `{ stageDir: ${stage('none')}, endpoints: "https://127.0.0.11:2379" }`, '{ nodes: [cp1] }').tasks[0]?.action), { FAKE_DOWN: 'https://127.0.0.11:2379' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no healthy etcd endpoint among https://127.0.0.11:2379');
  });

  it('collectNodeFiles + fetch + sealBackup + verifyBackup: a backup the restore reader accepts', async () => {
    const roots = { cp1: tree('cp1'), cp2: tree('cp2') };
    for (const [n, root] of Object.entries(roots)) expect(collect(n, root), n).toMatchObject({ code: 0 });
    expect(sh(text(planned('prepareBackupDir', `{ backupDir: ${backupDir} }`, '').tasks[0]?.action)).code).toBe(0);
    // What fetchBackupFile's downloads put here.
    for (const n of ['cp1', 'cp2']) cpSync(join(stage(n), RUN, 'node-files.tar'), join(dir, '.parts', `${n}.tar`));
    for (const f of ['snapshot.db', 'snapshot.db.sha256', 'cluster.json']) cpSync(join(stage('cp1'), RUN, f), join(dir, f));
    const seal = sh(text(planned('sealBackup', `{ backupDir: ${backupDir} }`, '').tasks[0]?.action));
    expect(seal, seal.stderr).toMatchObject({ code: 0 });
    expect(sh(text(planned('verifyBackup', `{ backupDir: ${backupDir} }`, '').tasks[0]?.action)).code).toBe(0);

    const backup = await loadBackup(dir);
    expect(backup.files).toEqual(expect.arrayContaining(['shared/pki/ca.crt', 'shared/pki/etcd/ca.key', 'nodes/cp1/pki/etcd/server.crt', 'nodes/cp2/pki/etcd/server.crt', 'nodes/cp1/manifests/etcd.yaml', 'nodes/cp2/kubeadm-config.yaml', 'cluster.json']));
    expect(backup.files.filter((f) => f.startsWith('nodes/cp1/pki/') && f.endsWith('ca.crt'))).toEqual([]);
    expect(backup.files).not.toContain('nodes/cp1/kubeadm-config.yaml');
    expect(readFileSync(join(dir, 'nodes/cp2/pki/etcd/server.crt'), 'utf8')).toBe('server of cp2');

    // A snapshot changed after the download (SHA256SUMS itself intact) is refused, by name.
    const snap = readFileSync(join(dir, 'snapshot.db'));
    writeFileSync(join(dir, 'snapshot.db'), Buffer.concat([snap, Buffer.from('x')]));
    const bad = sh(text(planned('verifyBackup', `{ backupDir: ${backupDir} }`, '').tasks[0]?.action));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/snapshot\.db: sha256 [0-9a-f]{64}, snapshot\.db\.sha256 says [0-9a-f]{64}/);
    writeFileSync(join(dir, 'snapshot.db'), snap);
    expect(sh(text(planned('verifyBackup', `{ backupDir: ${backupDir} }`, '').tasks[0]?.action)).code).toBe(0);

    writeFileSync(join(dir, 'nodes/cp1/manifests/etcd.yaml'), 'tampered');
    expect(sh(text(planned('verifyBackup', `{ backupDir: ${backupDir} }`, '').tasks[0]?.action)).code).not.toBe(0);
  });

  it('sealBackup refuses two nodes with different CA material under one path', () => {
    const other = join(work, 'other');
    const odir = join(other, `lab-${RUN}`);
    for (const [n, ca] of [['cp1', 'the CA'], ['cp2', 'another CA']] as const) {
      rmSync(join(stage(n), RUN), { recursive: true, force: true });
      expect(collect(n, tree(n, ca)).code).toBe(0);
      mkdirSync(join(odir, '.parts'), { recursive: true });
      cpSync(join(stage(n), RUN, 'node-files.tar'), join(odir, '.parts', `${n}.tar`));
    }
    writeFileSync(join(odir, 'snapshot.db.sha256'), 'x');
    writeFileSync(join(odir, 'cluster.json'), '{}');
    const r = sh(text(planned('sealBackup', `{ backupDir: ${other} }`, '').tasks[0]?.action));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('these files differ between nodes (one CA per cluster expected): shared/pki/ca.crt');
  });

  it('collectNodeFiles: a node without manifests fails; a repeat keeps the first collection', () => {
    const root = tree('cp3');
    rmSync(join(root, 'manifests'), { recursive: true });
    mkdirSync(join(root, 'manifests'));
    const r = collect('cp3', root);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`no static-pod manifest in ${root}/manifests on cp3`);
    const cp1 = tree('cp1');
    expect(collect('cp1', cp1).code).toBe(0);
    writeFileSync(join(cp1, 'manifests/etcd.yaml'), 'changed after the collection');
    expect(collect('cp1', cp1).stdout).toContain('cp1: already collected by this run');
  });

  it('the undo of every backup action moves aside, never deletes', () => {
    for (const [name, args] of [['saveSnapshot', {}], ['snapshotFacts', {}], ['collectNodeFiles', {}], ['prepareBackupDir', { backupDir: '/b' }], ['fetchBackupFile', { backupDir: '/b', file: 'snapshot.db' }], ['sealBackup', { backupDir: '/b' }]] as const) {
      const undo = expandDrAction(name, args).undo;
      const body = undo?.kind === 'shell' ? undo.script : undo?.kind === 'local' ? undo.command : '';
      expect(body, name).toMatch(/\bmv -- |\brmdir\b/);
      expect(body, name).not.toMatch(/\brm\b/);
    }
  });
});
