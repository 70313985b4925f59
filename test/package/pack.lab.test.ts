// The installable package, as an operator gets it: `npm pack` (the prepack lifecycle builds
// dist/), a global install of the tarball into a throwaway prefix, then the installed `kubedr`
// from an unrelated directory: --version, a plan of a built-in runbook by name (runbooks and
// schemas found inside the installed package; from the start-up snapshot the install built),
// shell completion, and a real run of the built-in
// etcd-backup against a one-node lab: the only test that runs the bundled, minified CLI over
// SSH (ssh2 is loaded on the first connection; every other CLI test runs the sources through
// tsx). Slow (a tsc build and an install from the registry: minutes on a loaded machine), hence
// its own long timeout; a lab test because of the run.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { useLab } from '../lab/vitest.js';

const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kubedr-pack-'));
const prefix = join(work, 'prefix');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const oneNode = useLab({ controlPlanes: 1, workers: 0 });

// A global install is thousands of files: give the removal time on a loaded machine.
afterAll(() => rmSync(work, { recursive: true, force: true }), 300_000);

describe('npm pack + global install', () => {
  it('installs a working kubedr: --version, plan of a built-in runbook, completion, a backup over SSH', { timeout: 1_800_000 }, async () => {
    const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    await run('npm', ['pack', '--pack-destination', work], { cwd: repo, env, maxBuffer: 64 << 20 });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tgz).toBe(`kubedr-${version}.tgz`);
    const { stdout: listing } = await run('tar', ['tzf', join(work, tgz ?? '')]);
    for (const f of ['package/bin/kubedr', 'package/bin/kubedr.js', 'package/dist/cli/entry.js', 'package/dist/snapshot/kubedr.cjs', 'package/dist/snapshot/help.cjs', 'package/scripts/build-snapshot.mjs', 'package/schemas/runbook.schema.json', 'package/schemas/inventory.schema.json', 'package/runbooks/ha-restore.yaml']) expect(listing).toContain(f);
    expect(listing).not.toContain('package/test/');
    // A start-up snapshot only works with the node binary that built it: each install builds its own.
    expect(listing).not.toMatch(/package\/dist\/snapshot\/.*\.blob/);

    await run('npm', ['install', '--global', '--prefer-offline', '--prefix', prefix, join(work, tgz ?? '')], { cwd: work, env, maxBuffer: 64 << 20 });
    const kubedr = join(prefix, 'bin', 'kubedr');
    // From a directory that holds nothing of the repo: everything must come from the package.
    const here = mkdtempSync(join(work, 'cwd-'));
    copyFileSync(join(repo, 'inventories/kubeadm-3-master.yaml'), join(here, 'cluster.yaml'));
    writeFileSync(join(here, 'snapshot.db'), 'not a real snapshot');
    const cli = (args: string[]) => run(kubedr, args, { cwd: here, env, maxBuffer: 16 << 20 });

    expect((await cli(['--version'])).stdout.trim()).toBe(version);
    // The install's postinstall built the start-up snapshot, and plan starts from it.
    const traced = await run(kubedr, ['plan', '-r', 'ha-restore', '-i', 'cluster.yaml', '--param', 'snapshot=snapshot.db', '--param', `snapshotSha256=${'a'.repeat(64)}`], { cwd: here, env: { ...env, KUBEDR_TRACE_START: '1' }, maxBuffer: 16 << 20 });
    expect(traced.stderr).toMatch(/^kubedr: started from the snapshot .*\/lib\/node_modules\/kubedr\/bin\/\.\.\/dist\/snapshot\/kubedr\.blob\n/);
    const plan = await cli(['plan', '-r', 'ha-restore', '-i', 'cluster.yaml', '--param', 'snapshot=snapshot.db', '--param', `snapshotSha256=${'a'.repeat(64)}`]);
    expect(plan.stdout).toContain('ha-restore');
    expect(plan.stdout).toMatch(/etcdctl|etcdutl/);
    const bash = await cli(['completion', 'bash']);
    expect(bash.stdout).toContain('complete -o filenames -F _kubedr kubedr');
    expect(bash.stdout).toContain('ha-restore');
    writeFileSync(join(here, 'kubedr.bash'), bash.stdout);
    await run('bash', ['-n', join(here, 'kubedr.bash')]);
    expect((await cli(['completion', 'zsh'])).stdout).toMatch(/^#compdef kubedr/);

    // A real run of a built-in runbook through the installed bundle: SSH connections, session
    // agents, the snapshot's download and its sha256.
    const { lab } = oneNode;
    const backups = join(here, 'backups');
    const backup = await cli(['run', '-r', 'etcd-backup', '-i', lab.inventoryPath, '--yes', '--state-dir', join(here, 'state'), '--param', `backupDir=${backups}`]);
    expect(backup.stdout).toMatch(/\bdone\b/);
    const [made] = readdirSync(backups);
    const dir = join(backups, made ?? '');
    // The snapshot arrived whole: its sha256 as the node computed it matches the file here.
    const recorded = readFileSync(join(dir, 'snapshot.db.sha256'), 'utf8').split(' ')[0];
    expect(recorded).toBe(createHash('sha256').update(readFileSync(join(dir, 'snapshot.db'))).digest('hex'));
    expect(readFileSync(join(dir, 'SHA256SUMS'), 'utf8')).toContain('  nodes/cp1/manifests/etcd.yaml');
  });
});
