// `npm run demo`: the whole story on this machine in under two minutes. A lab (3 control-plane
// nodes with real etcd 3.4 + TLS, 2 workers, real sshd) comes up (missing packages are installed
// with apt-get when root); 2,000 keys are seeded; runbooks/etcd-backup.yaml backs the cluster up;
// keys are written after the backup; two members lose their data (quorum lost);
// runbooks/ha-restore.yaml restores it with live progress; the cluster is verified; the audit
// grid is printed with the path of the HTML report. The lab is torn down in every case,
// including a failure or Ctrl-C.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { chooseReporter, createListrReporter, isCi, outlineOfPlan, type Reporter } from '../src/reporters/index.js';
import { breakQuorum, DAMAGED_DIR, seedKeys, startLab, verifyCluster, writeJunk, type Lab } from '../test/lab/index.js';
import { auditOf, drive, runbookPath } from '../test/runbooks/drive.js';

const t0 = Date.now();
const ac = new AbortController();
const work = mkdtempSync(join(tmpdir(), 'kubedr-demo-'));
const stateDir = join(work, 'state');
const say = (s: string): void => void process.stdout.write(`\x1b[1m[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]\x1b[0m ${s}\n`);
let lab: Lab | undefined;
let interrupted = 0;

process.on('SIGINT', () => {
  interrupted++;
  if (interrupted === 1) {
    say('interrupted: stopping the run, then tearing the lab down (Ctrl-C again to force)');
    ac.abort();
    return;
  }
  void (lab?.down() ?? Promise.resolve()).finally(() => process.exit(130));
});

// On a terminal: the listr2 tree, drawn line by line ('simple'); the redrawing renderer competes
// with the SSH I/O for the CPU and made the restore several times slower on a loaded 2-core box.
function reporterFor(plan: Parameters<typeof outlineOfPlan>[0]): Reporter {
  const tty = process.stdout.isTTY && !isCi(process.env);
  if (tty && process.env['KUBEDR_DEMO_RENDERER'] !== 'default') return createListrReporter({ outline: outlineOfPlan(plan), renderer: 'simple' });
  return chooseReporter({ isTTY: process.stdout.isTTY, ci: isCi(process.env), outline: outlineOfPlan(plan), write: (t) => process.stdout.write(t) });
}

async function main(): Promise<number> {
  say('bringing the lab up (3 control-plane nodes with etcd 3.4 + TLS, 2 workers, real sshd)…');
  lab = await startLab({ controlPlanes: 3, workers: 2, owned: true });
  say(`lab ${lab.id} up; inventory ${lab.inventoryPath}`);
  const seed = await seedKeys(lab, 2000);
  say(`seeded 2,000 keys under ${seed.prefix}`);

  say('backing up with runbooks/etcd-backup.yaml…');
  const backupDir = join(work, 'backups');
  const backup = await drive({ runbook: runbookPath('etcd-backup'), inventory: lab.inventoryPath, params: { backupDir }, stateDir, signal: ac.signal, reporter: reporterFor });
  if (backup.result.outcome !== 'done') throw new Error(`etcd-backup ended ${backup.result.outcome}`);
  const dir = join(backupDir, `lab-${backup.runId}`);
  const { readFileSync } = await import('node:fs');
  const sha = readFileSync(join(dir, 'snapshot.db.sha256'), 'utf8').split(' ')[0] ?? '';
  say(`backup in ${relative(process.cwd(), dir) || dir}: snapshot sha256 ${sha.slice(0, 16)}…, ${readFileSync(join(dir, 'cluster.json'), 'utf8').trim()}`);

  const junk = await writeJunk(lab, 50);
  say(`wrote 50 keys after the backup (${junk.prefix}): the restore must make them disappear`);
  await breakQuorum(lab);
  const broken = await verifyCluster(lab, { seeded: [seed] });
  say(`disaster: cp2 and cp3 lost their etcd data; the cluster is down:\n    ${broken.slice(0, 4).join('\n    ')}`);

  say('restoring with runbooks/ha-restore.yaml (auto-approved for the demo)…');
  const start = new Date();
  const restore = await drive({
    runbook: runbookPath('ha-restore'),
    inventory: lab.inventoryPath,
    params: { snapshot: join(dir, 'snapshot.db'), snapshotSha256: sha, manifestSearchPath: DAMAGED_DIR, restartKubelet: 'false' },
    stateDir,
    signal: ac.signal,
    reporter: reporterFor,
  });
  say(`ha-restore ${restore.result.outcome} in ${((Date.now() - start.getTime()) / 1000).toFixed(1)} s (run ${restore.runId})`);

  const failures = await verifyCluster(lab, { seeded: [seed], junk: [junk], workersJoinedAfter: start });
  if (failures.length === 0) say('verified: 3 members healthy, member list exact, 2,000 keys with their values, junk gone, apiservers ready, workers rejoined');
  else say(`verification FAILED:\n    ${failures.join('\n    ')}`);

  const audit = auditOf(stateDir, restore.runId);
  process.stdout.write(`\n${audit.text}\n`);
  say(`HTML report: ${audit.report ?? '(not written)'}`);
  say(`state dir (journal, plan, audit): ${join(stateDir, 'runs', restore.runId)}`);
  return restore.result.outcome === 'done' && failures.length === 0 ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  say(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  if (lab) {
    say('tearing the lab down…');
    await lab.down();
  }
  say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
process.exit(interrupted > 0 ? 130 : code);
