/* global process */
// What the lab's systemd stand-in knows of systemd: unit files ([Service] Type, ExecStart,
// EnvironmentFile, Environment, Restart, RestartSec, TimeoutStartSec, TimeoutStopSec), env files
// (KEY=VALUE, comments, quotes), `$VAR`/`${VAR}` in ExecStart, and the per-unit state that
// `systemctl` reports. Shared by systemctl.js (the command) and unit-supervisor.js (the
// process that runs one service, as systemd's service manager does).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const UNIT_DIRS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

/** `etcd` → `etcd.service`. */
export const unitName = (u) => (/\.(service|socket|timer|target|mount)$/.test(u) ? u : `${u}.service`);

export function fragmentPath(unit) {
  return UNIT_DIRS.map((d) => join(d, unit)).find((p) => existsSync(p));
}

/** Sections → key → values (a key may repeat; an empty assignment resets the list, as in systemd). */
export function parseUnit(text) {
  const sections = {};
  let current;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      current = sections[sec[1]] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (value === '') current[key] = [];
    else (current[key] ??= []).push(value);
  }
  return sections;
}

const last = (svc, key, dflt) => (svc[key]?.length ? svc[key][svc[key].length - 1] : dflt);

/** systemd time spans: `10s`, `500ms`, `2min`, `1min 30s`, a bare number is seconds. */
export function parseSpan(text) {
  if (text === 'infinity') return Infinity;
  let ms = 0;
  for (const [, n, u] of String(text).matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?/g)) {
    ms += Number(n) * ({ ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[u ?? 's'] ?? 1000);
  }
  return ms;
}

export function serviceOf(text) {
  const svc = parseUnit(text).Service ?? {};
  return {
    type: last(svc, 'Type', 'simple'),
    execStart: last(svc, 'ExecStart', ''),
    environmentFiles: (svc.EnvironmentFile ?? []).map((f) => ({ path: f.replace(/^-/, ''), optional: f.startsWith('-') })),
    environment: svc.Environment ?? [],
    restart: last(svc, 'Restart', 'no'),
    restartMs: parseSpan(last(svc, 'RestartSec', '100ms')),
    startTimeoutMs: parseSpan(last(svc, 'TimeoutStartSec', '90s')),
    stopTimeoutMs: parseSpan(last(svc, 'TimeoutStopSec', '90s')),
  };
}

const unquote = (v) => (/^(['"]).*\1$/.test(v) ? v.slice(1, -1) : v);

/** An EnvironmentFile as systemd reads it. */
export function parseEnvFile(text) {
  const env = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    env[line.slice(0, eq).trim()] = unquote(line.slice(eq + 1).trim());
  }
  return env;
}

/** Environment= assignments (`A=1 "B=two words"`). */
export function parseEnvironment(values) {
  const env = {};
  for (const v of values) {
    for (const m of v.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
      const word = m[1] ?? m[2] ?? m[3];
      const eq = word.indexOf('=');
      if (eq > 0) env[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  return env;
}

/** ExecStart → argv: prefixes (-@:+!) dropped, `${VAR}` one word, `$VAR` split on whitespace. */
export function expandExecStart(line, env) {
  const argv = [];
  for (const m of line.replace(/^[-@:+!]+/, '').matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const word = m[1] ?? m[2] ?? m[3];
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (whole && m[3] !== undefined) {
      argv.push(...String(env[whole[1]] ?? '').split(/\s+/).filter(Boolean));
      continue;
    }
    argv.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, k) => env[k] ?? ''));
  }
  return argv;
}

/** Where a node keeps its units' state (host side of the node dir). */
export function stateDir() {
  const cfg = JSON.parse(readFileSync(process.env.KUBEDR_LAB_NODE, 'utf8'));
  const dir = join(cfg.nodeDir, 'systemd');
  mkdirSync(join(dir, 'loaded'), { recursive: true });
  return dir;
}

export function readState(dir, unit) {
  try {
    return JSON.parse(readFileSync(join(dir, `${unit}.json`), 'utf8'));
  } catch {
    return { state: 'inactive', sub: 'dead' };
  }
}

export function writeState(dir, unit, state) {
  const tmp = join(dir, `.${unit}.json.${process.pid}`);
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, join(dir, `${unit}.json`));
}

/** Alive and not a zombie (the node's PID 1 is a shell that does not reap orphans). */
export function alive(pid) {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
