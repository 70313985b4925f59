// Shell scripts of a restore drill, run on one machine (a node over SSH, or the operator's):
// everything happens inside one scratch dir made by mktemp, and a throwaway etcd listens on
// 127.0.0.1 only, plain HTTP, on ports the script checked are free. Pure: the app runs them.
import { shellQuote as q } from '../../plan/quote.js';

/** Every scratch dir is `<base>/kubedr-drill-XXXXXX`; cleanup refuses any other path. */
export const SCRATCH_PREFIX = 'kubedr-drill-';
export const DRILL_MEMBER = 'kubedr-drill';

/** Exit code when the chosen ports turned out to be taken: pick others and try again. */
export const PORTS_TAKEN_EXIT = 75;

/** Exit code of the scratch listing when the base dir is missing. */
export const NO_SCRATCH_BASE = 66;

/**
 * Makes the scratch dir after checking free space for the snapshot, a restored copy and margin.
 * `owner` (`<host> <pid>` of the kubedr that runs the drill) is written into it, so that
 * `drill --cleanup` can tell a drill still running from one that was killed.
 */
export function makeScratchScript(base: string, snapshotBytes: number, owner: string): string {
  const needKib = Math.ceil((3 * snapshotBytes) / 1024) + 65_536;
  return [
    'set -e',
    `b=${q(base)}`,
    '[ -d "$b" ] || { echo "scratch base $b does not exist" >&2; exit 1; }',
    `free=$(df -Pk -- "$b" | awk 'NR==2 {print $4}')`,
    `[ "$free" -ge ${needKib} ] || { echo "not enough space in $b for the drill: $free KiB free, ${needKib} KiB needed" >&2; exit 1; }`,
    `d=$(mktemp -d "$b/${SCRATCH_PREFIX}XXXXXX")`,
    'chmod 700 "$d"',
    `printf '%s\\n' ${q(owner)} > "$d/owner"`,
    'printf "%s\\n" "$d"',
  ].join('\n');
}

/** Which restore tool and which etcd binary exist; prints `tool=… etcd=… version=…`. */
export const DETECT_TOOLS_SCRIPT = [
  'if command -v etcdutl >/dev/null 2>&1; then tool=etcdutl; elif command -v etcdctl >/dev/null 2>&1; then tool=etcdctl; else echo "neither etcdutl nor etcdctl is installed" >&2; exit 1; fi',
  'command -v etcdctl >/dev/null 2>&1 || { echo "etcdctl is not installed (needed to query the throwaway etcd)" >&2; exit 1; }',
  'command -v etcd >/dev/null 2>&1 || { echo "no etcd binary on this machine: the drill needs one to start a throwaway member" >&2; exit 1; }',
  'echo "tool=$tool"',
  'echo "version=$(etcd --version 2>/dev/null | head -n 1)"',
].join('\n');

export interface DrillPorts {
  client: number;
  peer: number;
}

const url = (port: number): string => `http://127.0.0.1:${port}`;

/** `snapshot restore` into `<scratch>/data-<attempt>` as a one-member cluster on the given peer port. */
export function restoreScript(tool: 'etcdutl' | 'etcdctl', scratch: string, attempt: number, ports: DrillPorts, token: string): string {
  const data = `${scratch}/data-${attempt}`;
  const cmd = tool === 'etcdutl' ? 'etcdutl snapshot restore' : 'ETCDCTL_API=3 etcdctl snapshot restore';
  const flags = [
    `--data-dir ${q(data)}`, `--name ${DRILL_MEMBER}`, `--initial-cluster ${q(`${DRILL_MEMBER}=${url(ports.peer)}`)}`,
    `--initial-advertise-peer-urls ${q(url(ports.peer))}`, `--initial-cluster-token ${q(token)}`,
  ].join(' ');
  return [
    `out=$(${cmd} ${q(`${scratch}/snapshot.db`)} ${flags} 2>&1) || { printf '%s\\n' "$out" | tail -n 5 >&2; exit 1; }`,
    `printf '%s\\n' "$out" | tail -n 1`,
  ].join('\n');
}

/**
 * Starts etcd in its own session (so no SSH channel or timeout kills it), records its PID in the
 * scratch dir, and waits until it answers a health check, dies, or `waitMs` passes. The ports
 * are checked in /proc/net/tcp{,6} first; a bind failure exits PORTS_TAKEN_EXIT.
 */
export function startScript(scratch: string, attempt: number, ports: DrillPorts, waitMs: number): string {
  const d = q(scratch);
  const data = q(`${scratch}/data-${attempt}`);
  const tries = Math.max(1, Math.ceil(waitMs / 200));
  return [
    `d=${d}`,
    'listening() { h=$(printf "%04X" "$1"); cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v h="$h" \'$4 == "0A" { n = split($2, a, ":"); if (toupper(a[n]) == h) f = 1 } END { exit !f }\'; }',
    `for p in ${ports.client} ${ports.peer}; do if listening "$p"; then echo "port $p is taken" >&2; exit ${PORTS_TAKEN_EXIT}; fi; done`,
    `setsid sh -c 'echo $$ > "$1/etcd.pid"; shift; exec "$@"' sh "$d" etcd --name ${DRILL_MEMBER} --data-dir ${data} \\`,
    `  --listen-client-urls ${url(ports.client)} --advertise-client-urls ${url(ports.client)} \\`,
    `  --listen-peer-urls ${url(ports.peer)} --initial-advertise-peer-urls ${url(ports.peer)} \\`,
    `  --initial-cluster ${q(`${DRILL_MEMBER}=${url(ports.peer)}`)} </dev/null >"$d/etcd.log" 2>&1 &`,
    `i=0; while [ $i -lt ${tries} ]; do`,
    '  i=$((i + 1))',
    '  pid=$(cat "$d/etcd.pid" 2>/dev/null || true)',
    `  if ETCDCTL_API=3 etcdctl --endpoints ${url(ports.client)} --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1; then echo "pid=$pid"; exit 0; fi`,
    '  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then',
    `    if grep -q "address already in use" "$d/etcd.log"; then echo "ports taken while starting" >&2; exit ${PORTS_TAKEN_EXIT}; fi`,
    '    echo "the throwaway etcd exited:" >&2; tail -n 5 "$d/etcd.log" >&2; exit 1',
    '  fi',
    '  sleep 0.2',
    'done',
    `echo "the throwaway etcd did not become healthy within ${waitMs} ms:" >&2; tail -n 5 "$d/etcd.log" >&2; exit 1`,
  ].join('\n');
}

/** Status (revision) and every key of the throwaway etcd, as two JSON documents on two lines. */
export function queryScript(ports: DrillPorts): string {
  const e = `ETCDCTL_API=3 etcdctl --endpoints ${url(ports.client)} --command-timeout 60s`;
  return [
    'set -e',
    `${e} endpoint health 2>&1 | tr -d '\\n'; echo`,
    `${e} endpoint status -w json`,
    `${e} get "" --prefix --keys-only -w json`,
  ].join('\n');
}

/** Every key of the live cluster, read-only, over TLS with the inventory's client certificate. */
export function liveKeysScript(endpoint: string, tls: { cacert: string; cert: string; key: string }): string {
  // With values: a key whose live value differs from the snapshot's is a change a restore makes.
  return `ETCDCTL_API=3 etcdctl --endpoints ${q(endpoint)} --cacert ${q(tls.cacert)} --cert ${q(tls.cert)} --key ${q(tls.key)} --command-timeout 120s get "" --prefix -w json`;
}

/**
 * Lists the drill scratch dirs under `base`, one `<dir>\t<owner line or ?>` per line; exit
 * NO_SCRATCH_BASE when `base` is not a directory (a typo in --scratch must not read as "clean").
 */
export function listScratchScript(base: string): string {
  return [
    `b=${q(base)}`,
    `[ -d "$b" ] || { echo "$b is not a directory on $(uname -n)" >&2; exit ${NO_SCRATCH_BASE}; }`,
    `for d in "$b"/${SCRATCH_PREFIX}??????; do`,
    '  [ -d "$d" ] || continue',
    '  o=$(head -n 1 "$d/owner" 2>/dev/null || true)',
    '  printf "%s\\t%s\\n" "$d" "${o:-?}"',
    'done',
  ].join('\n');
}

/**
 * Stops the throwaway etcd — only if the PID in the scratch dir still runs etcd on that very
 * data dir (a reused PID is never signalled) — then removes the scratch dir. Prints what it did.
 */
export function teardownScript(scratch: string): string {
  return [
    `d=${q(scratch)}`,
    `case "$d" in */${SCRATCH_PREFIX}??????) ;; *) echo "refusing to clean $d: not a drill scratch dir" >&2; exit 1 ;; esac`,
    'pid=$(cat "$d/etcd.pid" 2>/dev/null || true)',
    'ours() { [ -n "$pid" ] && tr "\\0" " " < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--data-dir $d/data-"; }',
    'if ours; then',
    '  kill -TERM "$pid"; i=0',
    '  while ours && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done',
    '  if ours; then kill -KILL "$pid"; sleep 0.2; fi',
    '  if ours; then echo "etcd $pid did not stop" >&2; exit 1; fi',
    '  echo "stopped etcd $pid"',
    'fi',
    'rm -rf -- "$d"',
    '[ ! -e "$d" ] || { echo "could not remove $d" >&2; exit 1; }',
    'echo "removed $d"',
  ].join('\n');
}
