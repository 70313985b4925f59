// Pure helpers shared by the in-node runner and crictl stand-in (plain JS: these run with bare
// `node` inside a lab node, where tsx would add ~0.4 s to every start). Types: pods.d.ts.
import { parse } from 'yaml';
import { probeSpec } from './probes.js';

const LOOPBACK = /(^|[/=,@])127\.0\.0\.1(?=[:/,]|$)/g;

/**
 * Nodes share the host network namespace, so kubeadm's `127.0.0.1:2379` would collide between
 * nodes: map it to the node's own address when launching. A list that then names the same URL
 * twice (`https://127.0.0.1:2379,https://<ip>:2379`) is de-duplicated, or etcd would bind twice.
 */
export function rewriteLoopback(arg, address) {
  if (!arg.includes('127.0.0.1')) return arg;
  const eq = arg.indexOf('=');
  const head = eq >= 0 ? arg.slice(0, eq + 1) : '';
  const value = eq >= 0 ? arg.slice(eq + 1) : arg;
  const items = value.split(',').map((v) => v.replace(LOOPBACK, `$1${address}`));
  return head + [...new Set(items)].join(',');
}

/**
 * The kubelet mounts hostPath volumes at their mountPath; the lab runs processes directly on the
 * node, so a flag value under a mountPath is mapped to the hostPath it stands for.
 */
export function mapVolumePaths(arg, mounts) {
  const eq = arg.indexOf('=');
  if (eq < 0) return arg;
  const value = arg.slice(eq + 1);
  const sorted = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const m of sorted) {
    if (value === m.mountPath || value.startsWith(m.mountPath.replace(/\/$/, '') + '/')) {
      return arg.slice(0, eq + 1) + m.hostPath + value.slice(m.mountPath.length);
    }
  }
  return arg;
}

/** Parse a static-pod manifest into what the runner needs; throws with a reason on bad input. */
export function parsePodManifest(text, nodeName) {
  const doc = parse(text);
  if (!doc || doc.kind !== 'Pod') throw new Error('not a Pod manifest');
  const name = doc.metadata?.name;
  const c = doc.spec?.containers?.[0];
  if (typeof name !== 'string' || !c) throw new Error('Pod needs metadata.name and one container');
  const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String);
  if (argv.length === 0) throw new Error(`container ${c.name} has no command`);
  const hostPaths = new Map((doc.spec.volumes ?? []).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath.path]));
  const mounts = (c.volumeMounts ?? [])
    .filter((m) => hostPaths.has(m.name))
    .map((m) => ({ mountPath: String(m.mountPath), hostPath: String(hostPaths.get(m.name)) }));
  const hostPathTypes = (doc.spec.volumes ?? []).filter((v) => v.hostPath).map((v) => ({ path: String(v.hostPath.path), type: String(v.hostPath.type ?? '') }));
  const env = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, String(e.value)]));
  const probes = { startup: probeSpec(c.startupProbe), liveness: probeSpec(c.livenessProbe) };
  return { pod: `${name}-${nodeName}`, container: String(c.name ?? name), image: String(c.image ?? ''), argv, mounts, hostPaths: hostPathTypes, env, probes };
}

/** The argv the runner launches: volume paths mapped, loopback rewritten. */
export function launchArgv(spec, address) {
  return spec.argv.map((a, i) => (i === 0 ? a : rewriteLoopback(mapVolumePaths(a, spec.mounts), address)));
}

/** Back-off before the n-th restart of a crashed container (the kubelet doubles from 10 s; shorter here). */
export function backoffMs(restarts) {
  return Math.min(500 * 2 ** Math.max(0, restarts - 1), 8000);
}

/** The rows of pods.json as crictl.sh reads them: id, container name, state, tab-separated. */
export function podsTsv(rows) {
  const flat = (v) => String(v).replace(/[\t\n]/g, ' ');
  return rows.map((r) => `${flat(r.id)}\t${flat(r.name)}\t${flat(r.state)}\n`).join('');
}
