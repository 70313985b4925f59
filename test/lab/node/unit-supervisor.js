/* global process, setTimeout, clearTimeout, URL */
// Runs one service as systemd's service manager does: the environment from EnvironmentFile
// (read at every start) and Environment, ExecStart with `$VAR` expansion, output to the unit's
// log (the journal), Restart= with RestartSec, SIGTERM then SIGKILL after TimeoutStopSec on
// stop. Type=notify: "active" only once the service is ready; etcd (ETCD_ADVERTISE_CLIENT_URLS
// in its environment) is ready when its /health says true, as its sd_notify READY=1 comes once
// it serves the cluster. Started detached by `systemctl start`; stopped by SIGTERM.
// Usage: unit-supervisor.js <unit> <unit file as loaded>
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { expandExecStart, parseEnvFile, parseEnvironment, readState, serviceOf, stateDir, writeState } from './units.js';

process.title = 'kubedr-lab-systemd';
const [unit, loadedFile] = process.argv.slice(2);
const dir = stateDir();
const svc = serviceOf(readFileSync(loadedFile, 'utf8'));
const log = openSync(join(dir, '..', 'logs', `${unit}.log`), 'a');
let child;
let stopping = false;
let restarts = readState(dir, unit).nRestarts ?? 0;
let timer;

const set = (fields) => writeState(dir, unit, { ...readState(dir, unit), supervisor: process.pid, ...fields, at: new Date().toISOString() });

function environment() {
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  for (const f of svc.environmentFiles) {
    try {
      Object.assign(env, parseEnvFile(readFileSync(f.path, 'utf8')));
    } catch (e) {
      if (!f.optional) throw new Error(`Failed to load environment files: ${f.path}: ${e.code ?? e.message}`);
    }
  }
  return Object.assign(env, parseEnvironment(svc.environment));
}

function etcdHealthy(env) {
  const url = String(env.ETCD_ADVERTISE_CLIENT_URLS ?? '').split(',')[0];
  if (!url) return Promise.resolve(true);
  return new Promise((resolve) => {
    let tls = {};
    try {
      tls = url.startsWith('https:') ? { ca: readFileSync(env.ETCD_TRUSTED_CA_FILE), cert: readFileSync(env.ETCD_CERT_FILE), key: readFileSync(env.ETCD_KEY_FILE) } : {};
    } catch {
      return resolve(false);
    }
    const req = request(new URL('/health', url), { ...tls, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function awaitReady(c, env) {
  while (child === c && !stopping) {
    if (svc.type !== 'notify' || (await etcdHealthy(env))) {
      if (child === c && !stopping) set({ state: 'active', sub: 'running', mainPid: c.pid, since: new Date().toISOString() });
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function start() {
  let env;
  try {
    env = environment();
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    set({ state: 'failed', sub: 'failed', result: 'resources', mainPid: 0 });
    process.exit(1);
  }
  const argv = expandExecStart(svc.execStart, env);
  const c = spawn(argv[0], argv.slice(1), { cwd: '/', env, stdio: ['ignore', log, log] });
  child = c;
  set({ state: 'activating', sub: 'start', mainPid: c.pid, argv, nRestarts: restarts });
  c.on('error', () => {});
  c.on('exit', (code, signal) => {
    if (child !== c) return;
    child = undefined;
    const failed = signal !== null ? signal !== 'SIGTERM' || !stopping : code !== 0;
    if (stopping) {
      set({ state: 'inactive', sub: 'dead', mainPid: 0, result: 'success' });
      process.exit(0);
    }
    const again = svc.restart === 'always' || (svc.restart === 'on-failure' && failed);
    if (again) {
      restarts += 1;
      set({ state: 'activating', sub: 'auto-restart', mainPid: 0, result: failed ? 'exit-code' : 'success', nRestarts: restarts });
      timer = setTimeout(start, svc.restartMs);
      return;
    }
    set({ state: failed ? 'failed' : 'inactive', sub: failed ? 'failed' : 'dead', mainPid: 0, result: failed ? 'exit-code' : 'success', exitCode: code });
    process.exit(0);
  });
  void awaitReady(c, env);
}

process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  if (timer) clearTimeout(timer);
  if (!child) {
    set({ state: 'inactive', sub: 'dead', mainPid: 0 });
    process.exit(0);
  }
  set({ state: 'deactivating', sub: 'stop-sigterm' });
  child.kill('SIGTERM');
  const kill = setTimeout(() => child?.kill('SIGKILL'), svc.stopTimeoutMs);
  kill.unref();
});
process.on('SIGHUP', () => {});

start();
