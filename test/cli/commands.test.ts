// The executing commands' exit codes without a lab: bad input and refusals are 2 with nothing
// executed; unlock needs --force for a live holder; every command is registered.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locksDir } from '../../src/app/state.js';
import { acquireRunLock, releaseRunLock } from '../../src/journal/index.js';
import { cliHere } from '../e2e/support.js';

describe('kubedr CLI', () => {
  it('registers run, resume, rollback, unlock, audit and runs beside validate, plan and snapshot', async () => {
    const help = await cliHere(['--help']);
    for (const c of ['validate', 'plan', 'run', 'resume', 'rollback', 'unlock', 'audit', 'runs', 'snapshot']) expect(help.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('run with an invalid runbook exits 2 naming file:line:col, and creates no state', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kubedr-cli-'));
    const r = await cliHere(['run', '-r', 'test/fixtures/invalid/runbooks/unknown-step.yaml', '-i', 'test/fixtures/inventories/three-masters.yaml', '--state-dir', stateDir, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown-step\.yaml:\d+:\d+: error /);
    expect(r.stderr).toContain('nothing was executed');
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('a secret param on --param is refused (exit 2); --param-from-env names a missing variable clearly', async () => {
    const base = ['run', '-r', 'test/fixtures/runbooks/e2e/all-nodes.yaml', '-i', 'test/fixtures/inventories/three-masters.yaml', '--state-dir', mkdtempSync(join(tmpdir(), 'kubedr-cli-')), '--yes'];
    const onCli = await cliHere([...base, '--param', 'e2eSecret=hunter2hunter2']);
    expect(onCli.code).toBe(2);
    expect(onCli.stderr).toContain('PARAM_SECRET_ON_CLI');
    const missing = await cliHere([...base, '--param-from-env', 'e2eSecret=KUBEDR_TEST_UNSET_VARIABLE']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SECRET_ENV_MISSING');
    expect(missing.stderr).toContain('KUBEDR_TEST_UNSET_VARIABLE');
  });

  it('resume and audit of an unknown run exit 2', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kubedr-cli-'));
    expect((await cliHere(['resume', 'nope', '--state-dir', stateDir])).code).toBe(2);
    expect((await cliHere(['rollback', 'nope', '--state-dir', stateDir])).code).toBe(2);
    expect((await cliHere(['audit', 'nope', '--state-dir', stateDir])).code).toBe(2);
  });

  it('unlock refuses a live holder without --force (exit 2) and removes it with --force', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kubedr-cli-'));
    const lock = await acquireRunLock({
      locksDir: locksDir(stateDir),
      host: 'this-host',
      holder: { user: 'op', host: 'this-host', pid: process.pid, runId: 'r1', since: new Date().toISOString(), cluster: 'lab', inventorySource: 'x', inventoryHash: 'h' },
    });
    const id = lock.holder.lockId;
    const refused = await cliHere(['unlock', id, '--state-dir', stateDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('UNLOCK_HOLDER_ALIVE');
    const forced = await cliHere(['unlock', '--force', id, '--state-dir', stateDir]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`pid ${process.pid}`);
    await releaseRunLock(lock);
  });
});
