// The start-up snapshots (src/cli/snapshot.ts for plan and validate, snapshot-help.ts for help
// and --version; scripts/build-snapshot.mjs, bin/kubedr): built into
// a throwaway copy of the package, then every short command runs through bin/kubedr twice, from
// the snapshot and from bin/kubedr.js (KUBEDR_NO_SNAPSHOT=1), and must print the same bytes and
// exit the same. Cases read the environment (HOME's ~/.ssh/config), the working directory and the
// user's own files, which the snapshot must not have frozen when it was built. Then the launcher's
// refusals: a blob of another node binary, a missing blob, a launcher reached through a symlink.
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../../scripts/bundle-cli.js';
import { blobOf, packageRootOfBlob } from '../../src/cli/snapshot-parts.js';
import { warmUp } from '../../src/cli/snapshot-warm-up.js';
import { SNAPSHOT_V8_FLAGS } from '../../src/cli/startup.js';

const repo = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'kubedr-snapshot-'));
const pkg = join(work, 'pkg');
const here = join(work, 'cwd');
const home = join(work, 'home');
const TRACE = /^kubedr: started from the snapshot .*\n/;
const sha = '0'.repeat(64);

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (a failing exit is a result, not an error), in `here` with HOME = `home`. */
function runOut(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Out> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd: here, env: { PATH: process.env['PATH'], HOME: home, ...env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const kubedr = (args: readonly string[], env: NodeJS.ProcessEnv = {}, launcher = join(pkg, 'bin', 'kubedr')): Promise<Out> => runOut(launcher, args, env);

/** Runs args from the snapshot (asserting it was used: `blob`) and from bin/kubedr.js; returns both. */
async function both(args: readonly string[], env: NodeJS.ProcessEnv = {}, blob = 'kubedr.blob'): Promise<{ snap: Out; js: Out }> {
  const snap = await kubedr(args, { ...env, KUBEDR_TRACE_START: '1' });
  expect(snap.stderr, `${args.join(' ')} did not start from the snapshot`).toMatch(TRACE);
  expect(snap.stderr.split('\n')[0]).toMatch(new RegExp(`/dist/snapshot/${blob.replace('.', '\\.')}$`));
  const js = await kubedr(args, { ...env, KUBEDR_NO_SNAPSHOT: '1', KUBEDR_TRACE_START: '1' });
  expect(js.stderr).not.toMatch(TRACE);
  return { snap: { ...snap, stderr: snap.stderr.replace(TRACE, '') }, js };
}

beforeAll(async () => {
  mkdirSync(join(pkg, 'scripts'), { recursive: true });
  cpSync(join(repo, 'bin'), join(pkg, 'bin'), { recursive: true });
  copyFileSync(join(repo, 'scripts', 'build-snapshot.mjs'), join(pkg, 'scripts', 'build-snapshot.mjs'));
  copyFileSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  for (const d of ['runbooks', 'schemas', 'node_modules']) symlinkSync(join(repo, d), join(pkg, d));
  await bundleCli(pkg);
  mkdirSync(join(here, 'runbooks'), { recursive: true });
  mkdirSync(join(home, '.ssh'), { recursive: true });
  copyFileSync(join(repo, 'inventories', 'kubeadm-3-master.yaml'), join(here, 'cluster.yaml'));
  writeFileSync(join(here, 'snapshot.db'), 'x');
  // The user's own runbook: the built-in one with one line more, so its text was never prepared.
  writeFileSync(join(here, 'runbooks', 'mine.yaml'), `# my copy\n${readFileSync(join(repo, 'runbooks', 'ha-restore.yaml'), 'utf8')}`);
  writeFileSync(join(here, 'broken.yaml'), 'apiVersion: kubedr.io/v1alpha1\nkind: Inventory\ncluster: { name: x }\nnodes:\n  - { name: cp1, adress: 10.0.0.1 }\n  - { name: cp1\n');
  writeFileSync(join(home, '.ssh', 'config'), 'Host 10.20.*\n  ConnectTimeout 7\n');
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const PLAN = ['plan', '-r', 'ha-restore', '-i', 'cluster.yaml', '--param', 'snapshot=snapshot.db', '--param', `snapshotSha256=${sha}`];

describe('kubedr from its start-up snapshot', () => {
  it.each([
    ['plan of a built-in runbook by name', PLAN],
    ['plan as JSON', [...PLAN, '-o', 'json']],
    ['plan of a built-in runbook by path', ['plan', '-r', join(pkg, 'runbooks', 'ha-restore.yaml'), '-i', 'cluster.yaml', '--param', 'snapshot=snapshot.db', '--param', `snapshotSha256=${sha}`]],
    ['plan of a runbook of the user\'s, relative to the working directory', ['plan', '-r', 'runbooks/mine.yaml', '-i', 'cluster.yaml', '--param', 'snapshot=snapshot.db', '--param', `snapshotSha256=${sha}`]],
    ['plan with ~/.ssh/config printed (-v)', [...PLAN, '-v']],
    ['plan with --limit', [...PLAN, '--limit', 'cp2']],
    ['plan of a snapshot that does not exist (a warning)', ['plan', '-r', 'ha-restore', '-i', 'cluster.yaml', '--param', 'snapshot=missing.db', '--param', `snapshotSha256=${sha}`]],
    ['plan with an unknown param (exit 2)', [...PLAN, '--param', 'nope=1']],
    ['validate', ['validate', '-r', 'ha-restore', '-i', 'cluster.yaml', '--param', 'snapshot=snapshot.db', '--param', `snapshotSha256=${sha}`]],
    ['validate of a broken inventory (exit 2, file:line:col)', ['validate', '-r', 'ha-restore', '-i', 'broken.yaml', '--param', 'snapshot=snapshot.db']],
    ['validate of a runbook that does not exist', ['validate', '-r', 'nope', '-i', 'cluster.yaml']],
    ['validate with an ssh_config that does not exist', ['validate', '-r', 'etcd-backup', '-i', 'cluster.yaml', '--ssh-config', 'missing-config']],
    ['--help', ['--help']],
    ['help plan', ['help', 'plan']],
    ['plan --help', ['plan', '--help']],
    ['--version', ['--version']],
    ['-V', ['-V']],
    ['plan with an unknown option', ['plan', '--nope']],
  ])('%s: the same output and exit code as bin/kubedr.js', async (_name, args) => {
    const blob = ['plan', 'validate'].includes(args[0] ?? '') ? 'kubedr.blob' : 'help.blob';
    const { snap, js } = await both(args, {}, blob);
    expect(snap).toEqual(js);
  });

  it('reads the environment when it starts, not when it was built', async () => {
    const other = join(work, 'other-home');
    mkdirSync(join(other, '.ssh'), { recursive: true });
    writeFileSync(join(other, '.ssh', 'config'), 'Host 10.20.0.11\n  ProxyJump jump@bastion.example:2200\n');
    const a = await both([...PLAN, '-v']);
    const b = await both([...PLAN, '-v'], { HOME: other });
    expect(a.snap.stderr).toContain(`ssh_config ${join(home, '.ssh', 'config')}`);
    expect(a.snap.stderr).not.toContain('bastion.example');
    expect(b.snap.stderr).toContain(`ssh_config ${join(other, '.ssh', 'config')}`);
    expect(b.snap.stderr).toContain('bastion.example');
    expect(b.snap).toEqual(b.js);
  });

  it('plan | head: the reader going away is not an error', async () => {
    const snap = await runOut('sh', ['-c', '"$0" "$@" | head -n 1', join(pkg, 'bin', 'kubedr'), ...PLAN], { KUBEDR_TRACE_START: '1' });
    expect(snap.stderr).toMatch(TRACE);
    expect(snap.stdout).toMatch(/^PLAN ha-restore on cluster /);
    expect(snap.stderr.replace(TRACE, '')).toBe('');
  });
});

describe('bin/kubedr uses the snapshot only when it is sure', () => {
  it('a blob built by another node binary is not used', async () => {
    const idFile = join(pkg, 'dist', 'snapshot', 'node-id');
    const id = readFileSync(idFile, 'utf8');
    try {
      writeFileSync(idFile, id.replace(/^(\d+):(\d+):/, (_m, dev: string, ino: string) => `${dev}:${String(Number(ino) + 1)}:`));
      const r = await kubedr(PLAN, { KUBEDR_TRACE_START: '1' });
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(TRACE);
      expect(r.stdout).toMatch(/^PLAN ha-restore/);
    } finally {
      writeFileSync(idFile, id);
    }
    expect((await kubedr(PLAN, { KUBEDR_TRACE_START: '1' })).stderr).toMatch(TRACE);
  });

  it('with NODE_OPTIONS set, bin/kubedr.js runs (a V8 flag there makes node refuse the blob)', async () => {
    const r = await kubedr(PLAN, { KUBEDR_TRACE_START: '1', NODE_OPTIONS: '--max-old-space-size=4096' });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(TRACE);
    expect(r.stdout).toMatch(/^PLAN ha-restore/);
  });

  it('records the node binary as stat -L prints it, and the V8 flags the blobs were built with', async () => {
    const [id, flags] = readFileSync(join(pkg, 'dist', 'snapshot', 'node-id'), 'utf8').split('\n');
    const stat = await runOut('stat', ['-L', '-c', '%d:%i:%s:%Y', process.execPath]);
    expect(stat.code).toBe(0);
    expect(id).toBe(stat.stdout.trim());
    // The launcher starts the blobs with exactly these; the seed kept from the build (no rehash at start).
    expect(flags).toBe(SNAPSHOT_V8_FLAGS);
    expect(flags).toContain('--no-rehash-snapshot');
  });

  it('without a blob, and for commands that connect, bin/kubedr.js runs', async () => {
    const blob = join(pkg, 'dist', 'snapshot', 'kubedr.blob');
    const aside = `${blob}.aside`;
    cpSync(blob, aside);
    try {
      rmSync(blob);
      const r = await kubedr(PLAN, { KUBEDR_TRACE_START: '1' });
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(TRACE);
    } finally {
      cpSync(aside, blob);
      rmSync(aside);
    }
    const runs = await kubedr(['runs', '--state-dir', join(work, 'state')], { KUBEDR_TRACE_START: '1' });
    expect(runs.stderr).not.toMatch(TRACE);
    expect(runs.code).toBe(0);
  });

  it('through a symlink, as npm links it into a bin directory', async () => {
    const binDir = join(work, 'prefix-bin');
    mkdirSync(binDir, { recursive: true });
    symlinkSync(join('..', 'pkg', 'bin', 'kubedr'), join(binDir, 'kubedr'));
    const r = await kubedr(['--version'], { KUBEDR_TRACE_START: '1' }, join(binDir, 'kubedr'));
    expect(r.stderr).toMatch(TRACE);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('a package moved after its snapshot was built finds its files where it is now', async () => {
    const moved = join(work, 'moved-pkg');
    cpSync(pkg, moved, { recursive: true, verbatimSymlinks: true });
    rmSync(join(moved, 'runbooks'));
    cpSync(join(repo, 'runbooks'), join(moved, 'runbooks'), { recursive: true });
    copyFileSync(join(repo, 'runbooks', 'etcd-backup.yaml'), join(moved, 'runbooks', 'only-here.yaml'));
    const r = await kubedr(['validate', '-r', 'only-here', '-i', 'cluster.yaml'], { KUBEDR_TRACE_START: '1' }, join(moved, 'bin', 'kubedr'));
    expect(r.stderr).toContain(`started from the snapshot ${moved}/bin/../dist/snapshot/kubedr.blob`);
    expect(r.stdout).toContain(`ok: ${join(moved, 'runbooks', 'only-here.yaml')} on cluster.yaml is valid`);
    expect(r.code).toBe(0);
  });

  it('a failed snapshot build leaves no blob, and kubedr still works', async () => {
    const broken = join(work, 'broken-pkg');
    cpSync(pkg, broken, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(broken, 'dist', 'snapshot', 'kubedr.cjs'), 'throw new Error("boom")\n');
    const made = await runOut(process.execPath, [join(broken, 'scripts', 'build-snapshot.mjs')]);
    expect(made.code).toBe(0);
    expect(made.stderr).toMatch(/no start-up snapshot \(node --build-snapshot exited 1: .*boom/);
    const r = await kubedr(['--version'], { KUBEDR_TRACE_START: '1' }, join(broken, 'bin', 'kubedr'));
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(TRACE);
    expect(existsSync(join(broken, 'dist', 'snapshot', 'kubedr.blob'))).toBe(false);
    expect(existsSync(join(broken, 'dist', 'snapshot', 'node-id'))).toBe(false);
  });
});

describe('snapshot parts', () => {
  it('finds the blob in execArgv and the package root above it', () => {
    expect(blobOf(['--interrupt-budget=1', '--snapshot-blob', '/opt/kubedr/dist/snapshot/kubedr.blob'])).toBe('/opt/kubedr/dist/snapshot/kubedr.blob');
    expect(blobOf(['--snapshot-blob=/x/dist/snapshot/b'])).toBe('/x/dist/snapshot/b');
    expect(blobOf(['--max-lazy'])).toBeUndefined();
    expect(packageRootOfBlob('/opt/kubedr/dist/snapshot/kubedr.blob')).toBe('/opt/kubedr');
  });

  it('the warm-up plans every built-in runbook', () => {
    expect(warmUp()).toEqual(['etcd-backup.yaml', 'external-etcd-restore.yaml', 'ha-restore.yaml', 'quorum-restore.yaml', 'rejoin-workers.yaml', 'replace-member.yaml', 'single-restore.yaml']);
  });
});
