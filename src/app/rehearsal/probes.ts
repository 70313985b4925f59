// Probes every rehearsal runs before the runbook's own checks, because every run depends on
// them whatever the runbook: the node answers, sudo works, no other run holds it, the tools the
// runbook calls exist, the inventory's paths exist, disk space, certificates, etcd.yaml agrees
// with the inventory, the files to upload are here with their sha256. All read-only.
// Exit code UNKNOWN_EXIT means "could not tell" (shown as unknown, not blocked).
import type { EtcdTls, InventoryNode, Plan, PlanPhase, PlanTask } from '../../model/index.js';
import { LOCAL_NODE } from '../../model/index.js';
import { shellQuote as q } from '../../plan/quote.js';
import { displayText, literal } from '../../plan/text.js';
import { textsOf } from '../../engine/refs.js';
import { probeStep } from './derive.js';

export const PROBE_PHASE = 'kubedr-probes';
export const UNKNOWN_EXIT = 3;

/** Commands a runbook may call whose absence blocks it; found by name in the planned texts. */
export const KNOWN_TOOLS = ['etcdctl', 'etcdutl', 'crictl', 'kubeadm', 'kubectl', 'openssl', 'sha256sum', 'systemctl', 'curl', 'jq', 'tar', 'rsync'] as const;

export interface ProbeInputs {
  plan: Plan;
  nodes: readonly InventoryNode[];
  tls: EtcdTls;
  /** Certificates must stay valid at least this long. */
  certMinValiditySec: number;
  /** Sizes of upload sources on this machine, by path (absent: file missing). */
  uploadSizes: ReadonlyMap<string, number>;
  nodeLockDir: string;
  probeTimeoutMs: number;
}

type Script = (node: InventoryNode) => { script: string; sudo: boolean } | undefined;

export function builtinProbes(i: ProbeInputs): PlanPhase[] {
  // Only nodes the runbook acts on: a backup from one member does not need the workers.
  const texts = nodeTexts(i.plan);
  const nodes = i.nodes.filter((n) => texts.has(n.name));
  const uploads = uploadsOf(i.plan);
  const restored = restoredOf(i.plan);
  const has = (n: InventoryNode, role: string): boolean => (n.roles as string[]).includes(role);
  const defs: [string, string, Script][] = [
    ['kubedr-reachable', 'node reachable over SSH', () => ({ script: 'uname -n', sudo: false })],
    ['kubedr-sudo', 'commands can run as root', (n) => (n.become.enabled ? { script: 'true', sudo: true } : { script: `[ "$(id -u)" = 0 ] || { echo "user $(id -un) is not root and become is off" >&2; exit 1; }`, sudo: false })],
    ['kubedr-node-lock', 'no other run holds the node', () => ({ script: lockScript(i.nodeLockDir), sudo: true })],
    ['kubedr-tools', 'tools the runbook calls are installed', (n) => toolsScript(texts.get(n.name) ?? '')],
    ['kubedr-paths', 'inventory paths exist', (n) => (has(n, 'control-plane') || has(n, 'etcd') ? { script: pathsScript(n, has(n, 'etcd')), sudo: true } : undefined)],
    ['kubedr-disk', 'free disk space for the restore and uploads', (n) => diskScript(n, has(n, 'etcd') && /snapshot restore/.test(texts.get(n.name) ?? ''), uploads.get(n.name) ?? [], i.uploadSizes)],
    ['kubedr-certs', 'certificates present and not about to expire', (n) => (has(n, 'control-plane') || has(n, 'etcd') ? { script: certScript(n, i.tls, has(n, 'etcd'), has(n, 'control-plane'), i.certMinValiditySec, restored.get(n.name) ?? new Map()), sudo: true } : undefined)],
    ['kubedr-etcd-manifest', 'etcd.yaml agrees with the inventory', (n) => (n.etcd ? { script: manifestScript(n), sudo: true } : undefined)],
  ];
  const steps = defs.flatMap(([id, name, make]) => {
    const tasks: PlanTask[] = nodes.flatMap((n) => {
      const s = make(n);
      return s ? [{ key: `${id}@${n.name}`, stepId: id, node: n.name, action: { kind: 'shell' as const, script: literal(s.script), sudo: s.sudo } }] : [];
    });
    return tasks.length > 0 ? [probeStep({ id, name, phase: PROBE_PHASE, timeoutMs: i.probeTimeoutMs }, tasks, i.probeTimeoutMs)] : [];
  });
  const local = localUploadScript(uploads);
  if (local) {
    const id = 'kubedr-upload-sources';
    steps.push(probeStep({ id, name: 'files to upload present with their sha256', phase: PROBE_PHASE, timeoutMs: i.probeTimeoutMs }, [{ key: `${id}@${LOCAL_NODE}`, stepId: id, node: LOCAL_NODE, action: { kind: 'local', command: literal(local) } }], i.probeTimeoutMs));
  }
  return [{ name: PROBE_PHASE, steps }];
}

/** All planned command text per node, refs shown as placeholders (for the tool scan). */
function nodeTexts(plan: Plan): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of plan.phases.flatMap((p) => p.steps).flatMap((s) => s.tasks)) {
    const body = [t.action, t.check, t.undo].flatMap((a) => (a ? textsOf(a).map(displayText) : [])).join('\n');
    out.set(t.node, `${out.get(t.node) ?? ''}\n${body}`);
  }
  return out;
}

interface Upload { src: string; dest: string; sha256?: string }

/** Files an ensureFiles step of the run restores on each node (absolute path → step id). */
function restoredOf(plan: Plan): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const t of plan.phases.flatMap((p) => p.steps).flatMap((s) => s.tasks)) {
    const a = t.action;
    if (a.kind !== 'ensureFiles' || a.mode !== 'apply') continue;
    const m = out.get(t.node) ?? new Map<string, string>();
    for (const f of a.files) m.set(`${a.dir}/${f}`, t.stepId);
    out.set(t.node, m);
  }
  return out;
}

function uploadsOf(plan: Plan): Map<string, Upload[]> {
  const out = new Map<string, Upload[]>();
  for (const t of plan.phases.flatMap((p) => p.steps).flatMap((s) => s.tasks)) {
    const a = t.action;
    if (a.kind !== 'upload' || [a.src, a.dest, ...(a.sha256 ? [a.sha256] : [])].some((x) => x.parts.some((p) => p.t === 'ref'))) continue;
    const u: Upload = { src: displayText(a.src), dest: displayText(a.dest), ...(a.sha256 ? { sha256: displayText(a.sha256).trim().toLowerCase() } : {}) };
    out.set(t.node, [...(out.get(t.node) ?? []), u]);
  }
  return out;
}

function lockScript(dir: string): string {
  return `d=${q(dir)}; if [ -e "$d" ]; then echo "locked by another run: $(cat -- "$d/holder" 2>/dev/null || echo unknown holder)" >&2; exit 1; fi; echo free`;
}

/**
 * Tools the node's commands call. A name only tested with `command -v` is optional (the runbook
 * has a fallback); etcdctl and etcdutl are alternatives for restore, so either one will do when
 * the runbook mentions both.
 */
export function requiredTools(text: string): string[][] {
  const called = text.replace(/command -v\s+\S+/g, '');
  const tools: string[] = KNOWN_TOOLS.filter((t) => new RegExp(`(^|[^A-Za-z0-9_.-])${t}([^A-Za-z0-9_-]|$)`, 'm').test(called));
  const both = tools.includes('etcdctl') && tools.includes('etcdutl');
  return [...(both ? [['etcdctl', 'etcdutl']] : []), ...tools.filter((t) => !both || (t !== 'etcdctl' && t !== 'etcdutl')).map((t) => [t])];
}

function toolsScript(text: string): { script: string; sudo: boolean } | undefined {
  const groups = requiredTools(text);
  if (groups.length === 0) return undefined;
  return {
    sudo: true,
    script: [
      'missing=""',
      ...groups.map((g) => `${g.map((t) => `command -v ${q(t)} >/dev/null 2>&1`).join(' || ')} || missing="$missing ${g.join(' or ')}"`),
      'if command -v etcdctl >/dev/null 2>&1; then echo "etcdctl: $(ETCDCTL_API=3 etcdctl version 2>/dev/null | head -n 1)"; fi',
      'if command -v etcdutl >/dev/null 2>&1; then echo "etcdutl: $(etcdutl version 2>/dev/null | head -n 1)"; fi',
      '[ -z "$missing" ] || { echo "not installed:$missing" >&2; exit 1; }',
    ].join('\n'),
  };
}

function pathsScript(n: InventoryNode, etcd: boolean): string {
  const dirs = [n.paths.manifestDir, n.paths.pkiDir];
  const parent = n.paths.etcdDataDir.replace(/\/+[^/]+\/*$/, '') || '/';
  return [
    'missing=""',
    `for d in ${[...dirs, ...(etcd ? [parent] : [])].map(q).join(' ')}; do [ -d "$d" ] || missing="$missing $d"; done`,
    '[ -z "$missing" ] || { echo "missing directories:$missing" >&2; exit 1; }',
  ].join('\n');
}

const FREE_KIB = 'free_kib() { p=$1; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done; df -Pk -- "$p" | awk \'NR==2 {print $4}\'; }';

function diskScript(n: InventoryNode, restores: boolean, uploads: Upload[], sizes: ReadonlyMap<string, number>): { script: string; sudo: boolean } | undefined {
  const kib = (b: number): number => Math.ceil(b / 1024);
  const biggest = Math.max(0, ...uploads.map((u) => sizes.get(u.src) ?? 0));
  const needs: [string, number, string][] = uploads.map((u) => [u.dest, kib(sizes.get(u.src) ?? 0) + 16_384, `upload of ${u.src}`]);
  if (restores) needs.push([n.paths.etcdDataDir, kib(2 * biggest) + 65_536, 'a restored data dir']);
  if (needs.length === 0) return undefined;
  const lines = needs.map(([path, need, why]) => `f=$(free_kib ${q(path)}); if [ "$f" -lt ${need} ]; then echo ${q(`not enough space at ${path} for ${why}: need ${need} KiB, free `)}"$f KiB" >&2; bad=1; else echo ${q(`${path}: `)}"$f KiB free"; fi`);
  return { sudo: true, script: [FREE_KIB, 'bad=0', ...lines, 'exit $bad'].join('\n') };
}

function certScript(n: InventoryNode, tls: EtcdTls, etcd: boolean, cp: boolean, minSec: number, restored: ReadonlyMap<string, string>): string {
  const pki = n.paths.pkiDir;
  // etcd's own certificates: kubeadm's pki/etcd for a static pod, whatever the unit and its
  // env file name for systemd etcd (external topology), decided on the node.
  const kubeadmEtcd = [`${pki}/etcd/ca.crt`, `${pki}/etcd/server.crt`, `${pki}/etcd/peer.crt`];
  const certs = new Set<string>([...(etcd ? [tls.cacert, tls.cert] : []), ...(cp ? [`${pki}/ca.crt`, `${pki}/apiserver.crt`] : [])]);
  const later = [...restored].map(([f, step]) => `${q(f)}) echo "missing $c: step ${step} restores it from the backup"; continue ;;`);
  return [
    `command -v openssl >/dev/null 2>&1 || { echo "openssl is not installed: certificate expiry not checked" >&2; exit ${UNKNOWN_EXIT}; }`,
    'bad=0',
    `set -- ${[...certs].map(q).join(' ')}`,
    ...(etcd ? [
      `m=${q(`${n.paths.manifestDir}/etcd.yaml`)}`,
      SYSTEMD_ETCD,
      `if [ -n "$etcd_conf" ]; then for k in ETCD_TRUSTED_CA_FILE ETCD_CERT_FILE ETCD_PEER_CERT_FILE trusted-ca-file cert-file peer-cert-file; do v=$(setting "$k"); [ -z "$v" ] || set -- "$@" "$v"; done`,
      `else set -- "$@" ${kubeadmEtcd.map(q).join(' ')}; fi`,
    ] : []),
    // The apiserver's etcd client certificate: the one its manifest names, kubeadm's by default.
    ...(cp ? [
      `a=${q(`${n.paths.manifestDir}/kube-apiserver.yaml`)}; ec=""`,
      `[ ! -r "$a" ] || ec=$(sed -n 's/^[ \t-]*--etcd-certfile=//p' "$a" | tr -d '"\r' | head -n 1)`,
      `set -- "$@" "\${ec:-${pki}/apiserver-etcd-client.crt}"`,
    ] : []),
    'seen=" "',
    'for c in "$@"; do',
    '  case "$seen" in *" $c "*) continue ;; esac; seen="$seen$c "',
    '  if [ ! -r "$c" ]; then',
    ...(later.length ? ['    case "$c" in', ...later.map((l) => `      ${l}`), '    esac'] : []),
    '    echo "missing certificate: $c" >&2; bad=1; continue',
    '  fi',
    '  end=$(openssl x509 -noout -enddate -in "$c" 2>/dev/null | sed "s/^notAfter=//")',
    `  if ! openssl x509 -noout -checkend ${minSec} -in "$c" >/dev/null 2>&1; then echo "certificate $c expires $end (within ${minSec} s)" >&2; bad=1; else echo "$c valid until $end"; fi`,
    'done',
    'exit $bad',
  ].join('\n');
}

/**
 * Sets etcd_conf to the text of a systemd etcd's unit and env files when etcd runs as a service
 * here and not as a static pod ($m is the etcd.yaml path), and defines `setting KEY`: the value of
 * KEY=... (env file) or --KEY=... (the unit's ExecStart), last one wins.
 */
const SYSTEMD_ETCD = [
  'etcd_conf=""',
  'if [ ! -e "$m" ] && command -v systemctl >/dev/null 2>&1 && systemctl cat etcd >/dev/null 2>&1; then',
  '  etcd_conf=$(systemctl cat etcd 2>/dev/null; for e in $(systemctl show -p EnvironmentFiles etcd 2>/dev/null | sed "s/^EnvironmentFiles=//; s/ (.*//"); do cat -- "${e#-}" 2>/dev/null; done)',
  'fi',
  'setting() { printf "%s\\n" "$etcd_conf" | tr " " "\\n" | sed -n "s/^-*$1=//p" | tr -d "\\"\\r" | tail -n 1; }',
].join('\n');

function manifestScript(n: InventoryNode): string {
  const file = `${n.paths.manifestDir}/etcd.yaml`;
  const want = [`--name=${n.etcd?.name ?? ''}`, `--initial-advertise-peer-urls=${n.etcd?.peerURL ?? ''}`];
  return [
    `f=${q(file)}; m="$f"`,
    SYSTEMD_ETCD,
    // systemd etcd (external topology): the same two settings, from its env file or unit.
    'if [ -n "$etcd_conf" ]; then bad=0',
    ...([['ETCD_NAME', 'name', n.etcd?.name ?? ''], ['ETCD_INITIAL_ADVERTISE_PEER_URLS', 'initial-advertise-peer-urls', n.etcd?.peerURL ?? '']] as const).map(([env, flag, want]) =>
      `  v=$(setting ${env}); [ -n "$v" ] || v=$(setting ${flag}); if [ "$v" = ${q(want)} ]; then echo ${q(`etcd service: ${env}=${want}`)}; else echo ${q(`the etcd service has ${env}=`)}"$v"${q(` (the inventory says ${want})`)} >&2; bad=1; fi`),
    '  exit $bad',
    'fi',
    `[ -r "$f" ] || { echo "$f not found: etcd is stopped or not a static pod here; flags not checked" >&2; exit ${UNKNOWN_EXIT}; }`,
    'bad=0',
    // Exact comparison of whole flags (values come from the inventory, never from a regex).
    `for w in ${want.map(q).join(' ')}; do`,
    `  if W="$w" awk 'BEGIN { w = ENVIRON["W"] } { sub(/^[ \\t]*-[ \\t]*/, ""); sub(/[ \\t\\r]+$/, ""); gsub(/^"|"$/, "") } $0 == w { f = 1 } END { exit !f }' "$f"; then echo "$w"; else echo "etcd.yaml has no $w (the inventory says so)" >&2; bad=1; fi`,
    'done',
    'exit $bad',
  ].join('\n');
}

function localUploadScript(uploads: Map<string, Upload[]>): string | undefined {
  const seen = new Map<string, string | undefined>();
  for (const u of [...uploads.values()].flat()) seen.set(u.src, u.sha256 ?? seen.get(u.src));
  if (seen.size === 0) return undefined;
  const lines = [...seen].map(([src, sha]) => [
    `f=${q(src)}`,
    'if [ ! -r "$f" ]; then echo "$f is not readable on this machine" >&2; bad=1',
    sha === undefined
      ? 'else echo "$f present"; fi'
      : `else s=$(sha256sum < "$f"); s=\${s%% *}; if [ "$s" = ${q(sha)} ]; then echo "$f sha256 ok"; else echo "$f has sha256 $s, the runbook expects "${q(sha)} >&2; bad=1; fi; fi`,
  ].join('\n'));
  return ['bad=0', ...lines, 'exit $bad'].join('\n');
}
