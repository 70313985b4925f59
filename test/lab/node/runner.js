/* global process, URL, setTimeout, clearTimeout */
// The lab's kubelet: one per node, inside the node's namespaces. Like the kubelet's static-pod
// source it polls /etc/kubernetes/manifests: a new file starts a pod, a removed file stops it
// (TERM, then KILL after the grace period), a changed file restarts it, a crashed container is
// restarted with back-off. `crictl ps` reads the state file this writes after every change.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { backoffMs, launchArgv, parsePodManifest, podsTsv, rewriteLoopback } from './pods.js';
import { createProber } from './probes.js';

process.title = 'kubelet';
const cfg = JSON.parse(readFileSync(process.env.KUBEDR_LAB_NODE, 'utf8'));
const MANIFESTS = '/etc/kubernetes/manifests';
const GRACE_MS = 5000;
const POLL_MS = 250;
const here = fileURLToPath(new URL('.', import.meta.url));
const logDir = join(cfg.nodeDir, 'logs');
mkdirSync(logDir, { recursive: true });

/** @type {Map<string, any>} file → pod record */
const pods = new Map();
const invalid = new Set();
const id = () => randomBytes(16).toString('hex');
const log = (msg) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);

/** Which program stands for a container's command[0]. */
function program(argv) {
  const [cmd, ...rest] = argv;
  const base = cmd.split('/').pop();
  if (base === 'etcd') return ['/usr/bin/etcd', rest];
  if (base === 'kube-apiserver') return [process.execPath, [join(here, 'apiserver.js'), ...rest]];
  // Other components only need to exist as processes a runbook can stop and start.
  return ['/bin/bash', ['-c', 'exec -a "$0" /bin/sleep infinity', base, ...rest]];
}

function writeState() {
  const rows = [];
  for (const p of pods.values()) {
    for (const c of [...p.history, p.current].filter(Boolean)) rows.push(c);
  }
  const tmp = join(cfg.nodeDir, 'pods.json.tmp');
  writeFileSync(tmp, JSON.stringify(rows, null, 1));
  renameSync(tmp, join(cfg.nodeDir, 'pods.json'));
  // The same rows for crictl.sh, which answers `crictl ps -q` polls without starting node.
  writeFileSync(`${tmp}.tsv`, podsTsv(rows));
  renameSync(`${tmp}.tsv`, join(cfg.nodeDir, 'pods.tsv'));
}

/** Prepare hostPath volumes as the kubelet does before it starts the container. */
function prepareVolumes(spec) {
  for (const v of spec.hostPaths) {
    if (v.type === 'DirectoryOrCreate' && !existsSync(v.path)) mkdirSync(v.path, { recursive: true, mode: 0o755 });
    if (v.type === 'FileOrCreate' && !existsSync(v.path)) {
      mkdirSync(dirname(v.path), { recursive: true });
      writeFileSync(v.path, '', { mode: 0o644 });
    }
    if ((v.type === 'Directory' || v.type === 'File') && !existsSync(v.path)) throw new Error(`hostPath ${v.path} does not exist (type ${v.type})`);
  }
}

function start(p) {
  try {
    prepareVolumes(p.spec);
  } catch (e) {
    log(`cannot start ${p.spec.pod}: ${e.message}`);
    p.restarts += 1;
    p.timer = setTimeout(() => { p.timer = undefined; if (pods.get(p.file) === p && !p.stopping) start(p); }, backoffMs(p.restarts));
    return;
  }
  const [file, args] = program(launchArgv(p.spec, cfg.address));
  const out = openSync(join(logDir, `${p.spec.pod}.log`), 'a');
  const child = spawn(file, args, { cwd: '/', stdio: ['ignore', out, out], env: { PATH: process.env.PATH, ...p.spec.env } });
  const c = {
    id: id(), podId: p.podId, pod: p.spec.pod, name: p.spec.container, image: p.spec.image, attempt: p.restarts,
    state: 'Running', pid: child.pid, createdAt: Date.now(), argv: [file, ...args],
  };
  p.current = c;
  p.child = child;
  log(`start ${p.spec.pod} pid=${child.pid} attempt=${p.restarts}`);
  let exited = false;
  const onExit = (code, signal) => {
    if (exited) return;
    exited = true;
    c.state = 'Exited';
    c.exitCode = code ?? (signal ? 137 : 1);
    c.finishedAt = Date.now();
    p.child = undefined;
    p.history = [c]; // like crictl ps -a: the last exited attempt stays visible
    p.current = undefined;
    writeState();
    log(`exit ${p.spec.pod} pid=${c.pid} code=${code} signal=${signal}`);
    p.onExit?.();
    if (!p.stopping && pods.get(p.file) === p) {
      const ranFor = c.finishedAt - c.createdAt;
      if (ranFor > 10_000) p.restarts = 0;
      p.restarts += 1;
      const delay = backoffMs(p.restarts);
      log(`back-off ${delay} ms restarting ${p.spec.pod}`);
      p.timer = setTimeout(() => { p.timer = undefined; if (pods.get(p.file) === p && !p.stopping) { start(p); writeState(); } }, delay);
    }
  };
  // A program that cannot be started (missing binary) counts as a crash: back-off, retry.
  child.on('error', (e) => { log(`spawn ${p.spec.pod} failed: ${e.message}`); onExit(127, null); });
  child.on('exit', onExit);
  watchProbes(p, c, child);
  writeState();
}

/** One HTTP(S) GET of a probe: a 2xx/3xx answer within its timeout is a success. */
function probeOnce(probe) {
  const url = `${probe.scheme}://${rewriteLoopback(probe.host, cfg.address)}:${probe.port}${probe.path}`;
  return new Promise((resolve) => {
    const req = (probe.scheme === 'https' ? httpsGet : httpGet)(url, { timeout: probe.timeoutSeconds * 1000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode >= 200 && res.statusCode < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The kubelet's startup/liveness probes (probes.js): too many failures kill the container. */
function watchProbes(p, c, child) {
  const prober = createProber(p.spec.probes ?? {});
  const schedule = () => {
    const n = prober.next();
    if (!n || p.child !== child) return;
    setTimeout(async () => {
      if (p.child !== child) return;
      const ok = await probeOnce(n.probe);
      if (p.child !== child) return;
      const verdict = prober.result(ok);
      if (verdict === 'kill') {
        log(`probe failed ${n.probe.failureThreshold} times: killing ${p.spec.pod} pid=${c.pid}`);
        child.kill('SIGKILL');
        return;
      }
      schedule();
    }, Math.max(0, n.atMs - (Date.now() - c.createdAt)));
  };
  schedule();
}

/** Stop a pod like the kubelet: TERM, KILL after the grace period; resolves when it has exited. */
function stop(p) {
  p.stopping = true;
  if (p.timer) clearTimeout(p.timer);
  const child = p.child;
  if (!child) return Promise.resolve();
  return new Promise((resolve) => {
    p.onExit = resolve;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
    child.once('exit', () => clearTimeout(kill));
  });
}

function readManifests() {
  const found = new Map();
  let names = [];
  try { names = readdirSync(MANIFESTS); } catch { return found; }
  for (const name of names) {
    if (name.startsWith('.') || !/\.(ya?ml|json)$/.test(name)) continue;
    try {
      const text = readFileSync(join(MANIFESTS, name), 'utf8');
      found.set(name, { text, hash: createHash('sha256').update(text).digest('hex') });
    } catch { /* vanished between readdir and read */ }
  }
  return found;
}

async function sync() {
  const found = readManifests();
  const stops = [];
  for (const [file, p] of pods) {
    const now = found.get(file);
    if (!now || now.hash !== p.hash) {
      log(`${now ? 'changed' : 'removed'} ${file}`);
      pods.delete(file);
      stops.push(stop(p));
    }
  }
  await Promise.all(stops);
  for (const [file, m] of found) {
    if (pods.has(file)) continue;
    let spec;
    try { spec = parsePodManifest(m.text, cfg.name); } catch (e) {
      if (!invalid.has(m.hash)) log(`invalid manifest ${file}: ${e.message}`);
      invalid.add(m.hash);
      continue;
    }
    const p = { file, hash: m.hash, spec, podId: id(), restarts: 0, history: [], stopping: false };
    pods.set(file, p);
    start(p);
  }
  if (stops.length) writeState();
}

async function loop() {
  for (;;) {
    try { await sync(); } catch (e) { log(`sync failed: ${e.message}`); }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function shutdown() {
  await Promise.all([...pods.values()].map(stop));
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
writeState();
void loop();
