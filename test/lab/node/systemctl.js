/* global process, setTimeout */
// systemctl stand-in for lab nodes (the nodes share the host's /run, so the real systemctl would
// drive the HOST's systemd). Verbs: start [--no-block], stop, restart, is-active [-q], is-enabled,
// enable, disable, status, cat, show [-p P[,P]] [--value], daemon-reload. Units are read from
// /etc/systemd/system (and /lib, /usr/lib); a start uses the unit as last loaded by
// daemon-reload (with systemd's warning when the file changed since), re-reads EnvironmentFile,
// and waits until the service is active (Type=notify: ready) unless --no-block. Exit codes as
// systemd's: 0 ok, 1 failed job / no files, 3 not active, 4 no such unit, 5 not loaded.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, fragmentPath, readState, serviceOf, stateDir, unitName, UNIT_DIRS, writeState } from './units.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flags = new Set();
const props = [];
const words = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-p' || a === '--property') props.push(...String(args[++i] ?? '').split(','));
  else if (a.startsWith('--property=')) props.push(...a.slice(11).split(','));
  else if (a.startsWith('-p') && a.length > 2) props.push(...a.slice(2).split(','));
  else if (a === '-q') flags.add('--quiet');
  else if (a.startsWith('-')) flags.add(a);
  else words.push(a);
}
const [verb, ...units] = words;
const dir = stateDir();
const out = (s) => process.stdout.write(`${s}\n`);
const err = (s) => process.stderr.write(`${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const loaded = (unit) => join(dir, 'loaded', unit);
function load(unit) {
  const frag = fragmentPath(unit);
  if (frag) copyFileSync(frag, loaded(unit));
}
function ensureLoaded(unit) {
  const frag = fragmentPath(unit);
  if (!frag) return undefined;
  if (!existsSync(loaded(unit))) load(unit);
  else if (readFileSync(frag, 'utf8') !== readFileSync(loaded(unit), 'utf8')) {
    err(`Warning: The unit file, source configuration file or drop-ins of ${unit} changed on disk. Run 'systemctl daemon-reload' to reload units.`);
  }
  return frag;
}

/** The unit's state, with a dead supervisor (killed, node restarted) counted as inactive. */
function current(unit) {
  const s = readState(dir, unit);
  if ((s.state === 'active' || s.state === 'activating' || s.state === 'deactivating') && !alive(s.supervisor)) return { ...s, state: s.state === 'deactivating' ? 'inactive' : 'failed', sub: 'dead', mainPid: 0 };
  return s;
}

async function waitUntil(unit, done, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = current(unit);
    if (done(s)) return s;
    if (Date.now() > end) return undefined;
    await sleep(100);
  }
}

async function start(unit) {
  if (!ensureLoaded(unit)) {
    err(`Failed to start ${unit}: Unit ${unit} not found.`);
    return 5;
  }
  let s = current(unit);
  if (s.state !== 'active' && s.state !== 'activating') {
    if (s.state === 'deactivating') await waitUntil(unit, (x) => x.state !== 'deactivating', Infinity);
    const log = openSync(join(dir, '..', 'logs', `${unit}.log`), 'a');
    const child = spawn(process.execPath, [join(here, 'unit-supervisor.js'), unit, loaded(unit)], { detached: true, stdio: ['ignore', log, log], env: process.env });
    writeState(dir, unit, { ...s, state: 'activating', sub: 'start', supervisor: child.pid, mainPid: 0, at: new Date().toISOString() });
    child.unref();
  }
  if (flags.has('--no-block')) return 0;
  const { startTimeoutMs } = serviceOf(readFileSync(loaded(unit), 'utf8'));
  s = await waitUntil(unit, (x) => x.state !== 'activating' || x.sub === 'auto-restart', startTimeoutMs);
  if (s?.state === 'active') return 0;
  if (!s) await stop(unit);
  err(`Job for ${unit} failed because ${s ? 'the control process exited with error code' : 'a timeout was exceeded'}.`);
  err(`See "systemctl status ${unit}" and "journalctl -xeu ${unit}" for details.`);
  return 1;
}

async function stop(unit) {
  if (!fragmentPath(unit) && !existsSync(loaded(unit))) {
    err(`Failed to stop ${unit}: Unit ${unit} not loaded.`);
    return 5;
  }
  const s = current(unit);
  if (alive(s.supervisor)) {
    process.kill(s.supervisor, 'SIGTERM');
    await waitUntil(unit, () => !alive(s.supervisor), Infinity);
  }
  // A supervisor that died without saying so leaves its service behind: systemd kills the cgroup.
  if (alive(s.mainPid)) process.kill(s.mainPid, 'SIGKILL');
  if (current(unit).state !== 'inactive' && current(unit).state !== 'failed') writeState(dir, unit, { ...current(unit), state: 'inactive', sub: 'dead', mainPid: 0 });
  return 0;
}

function show(unit) {
  const s = current(unit);
  const frag = fragmentPath(unit) ?? '';
  const svc = frag ? serviceOf(readFileSync(existsSync(loaded(unit)) ? loaded(unit) : frag, 'utf8')) : undefined;
  const all = {
    Id: unit,
    LoadState: frag ? 'loaded' : 'not-found',
    FragmentPath: frag,
    ActiveState: s.state,
    SubState: s.sub ?? 'dead',
    MainPID: String(alive(s.mainPid) ? s.mainPid : 0),
    NRestarts: String(s.nRestarts ?? 0),
    Type: svc?.type ?? '',
    Restart: svc?.restart ?? '',
    EnvironmentFiles: (svc?.environmentFiles ?? []).map((f) => `${f.path} (ignore_errors=${f.optional ? 'yes' : 'no'})`).join(' '),
    ExecStart: svc ? `{ path=${svc.execStart.split(/\s+/)[0]} ; argv[]=${svc.execStart} }` : '',
    UnitFileState: frag ? 'enabled' : '',
  };
  const keys = props.length ? props : Object.keys(all);
  for (const k of keys) out(flags.has('--value') ? all[k] ?? '' : `${k}=${all[k] ?? ''}`);
  return 0;
}

function status(unit) {
  const frag = fragmentPath(unit);
  if (!frag) {
    err(`Unit ${unit} could not be found.`);
    return 4;
  }
  const s = current(unit);
  const desc = /^Description=(.*)$/m.exec(readFileSync(frag, 'utf8'))?.[1] ?? unit;
  out(`${s.state === 'active' ? '●' : '○'} ${unit} - ${desc}`);
  out(`     Loaded: loaded (${frag}; enabled; vendor preset: enabled)`);
  out(`     Active: ${s.state} (${s.sub ?? 'dead'})${s.at ? ` since ${s.at}` : ''}`);
  if (alive(s.mainPid)) out(`   Main PID: ${s.mainPid} (${(s.argv?.[0] ?? '').split('/').pop()})`);
  try {
    const tail = readFileSync(join(dir, '..', 'logs', `${unit}.log`), 'utf8').trimEnd().split('\n').slice(-10);
    out('');
    for (const l of tail) out(l);
  } catch {
    /* no journal yet */
  }
  return s.state === 'active' ? 0 : 3;
}

async function main() {
  const names = units.map(unitName);
  switch (verb) {
    case 'daemon-reload':
      for (const d of UNIT_DIRS) {
        if (!existsSync(d)) continue;
        for (const f of readdirSync(d)) if (existsSync(loaded(f)) || f.endsWith('.service')) load(f);
      }
      return 0;
    case 'start':
    case 'stop':
    case 'restart': {
      let rc = 0;
      for (const u of names) {
        if (verb !== 'start') rc ||= await stop(u);
        if (verb !== 'stop' && rc === 0) rc ||= await start(u);
      }
      return rc;
    }
    case 'is-active': {
      let rc = 0;
      for (const u of names) {
        const st = current(u).state;
        if (!flags.has('--quiet')) out(st);
        if (st !== 'active') rc = 3;
      }
      return rc;
    }
    case 'is-enabled':
      for (const u of names) if (!flags.has('--quiet')) out(fragmentPath(u) ? 'enabled' : 'not-found');
      return names.every((u) => fragmentPath(u)) ? 0 : 1;
    case 'enable':
    case 'disable':
      return names.every((u) => fragmentPath(u)) ? 0 : 1;
    case 'status':
      return names.reduce((rc, u) => rc || status(u), 0);
    case 'cat': {
      let rc = 0;
      for (const u of names) {
        const frag = fragmentPath(u);
        if (!frag) {
          err(`No files found for ${u}.`);
          rc = 1;
          continue;
        }
        out(`# ${frag}`);
        process.stdout.write(readFileSync(frag, 'utf8'));
      }
      return rc;
    }
    case 'show':
      for (const u of names) show(u);
      return 0;
    default:
      err(`Unknown command verb ${verb ?? ''}.`);
      return 1;
  }
}

main().then((rc) => process.exit(rc), (e) => {
  err(String(e?.message ?? e));
  process.exit(1);
});
