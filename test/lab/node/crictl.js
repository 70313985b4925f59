/* global process */
// `crictl ps` stand-in: lists the containers the lab runner keeps in its state file.
// Supports: ps [-a] [--name REGEX] [--state running|exited] [-q] [-o json]; logs [--tail N] ID.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const cfg = JSON.parse(readFileSync(process.env.KUBEDR_LAB_NODE, 'utf8'));
const [cmd, ...args] = process.argv.slice(2);
const readRows = () => { try { return JSON.parse(readFileSync(join(cfg.nodeDir, 'pods.json'), 'utf8')); } catch { return []; } };
if (cmd === 'logs') {
  // crictl logs [--tail N] ID: the pod's log (all attempts, like the kubelet's log dir).
  const tailAt = args.findIndex((a) => a === '--tail' || a.startsWith('--tail='));
  const tail = tailAt < 0 ? undefined : Number(args[tailAt].includes('=') ? args[tailAt].split('=')[1] : args[tailAt + 1]);
  const id = args.filter((a, i) => !a.startsWith('-') && (tailAt < 0 || i !== tailAt + 1))[0] ?? '';
  const row = readRows().find((r) => id && r.id.startsWith(id));
  if (!row) {
    process.stderr.write(`crictl logs: container "${id}" not found\n`);
    process.exit(1);
  }
  let lines = readFileSync(join(cfg.nodeDir, 'logs', `${row.pod}.log`), 'utf8').split('\n');
  if (tail !== undefined) lines = lines.slice(-tail - 1);
  process.stdout.write(lines.join('\n'));
  process.exit(0);
}
if (cmd !== 'ps') {
  process.stderr.write(`crictl (lab stand-in): unsupported command "${cmd ?? ''}"; supported: ps, logs\n`);
  process.exit(1);
}
const opt = { all: false, quiet: false, name: undefined, state: undefined, json: false };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i]);
  if (a === '-a' || a === '--all') opt.all = true;
  else if (a === '-q' || a === '--quiet') opt.quiet = true;
  else if (a.startsWith('--name')) opt.name = value();
  else if (a.startsWith('--state')) opt.state = value().toLowerCase();
  else if (a === '-o' || a.startsWith('--output')) opt.json = value() === 'json';
}
let rows = readRows();
rows = rows.filter((r) => (opt.state ? r.state.toLowerCase() === opt.state : opt.all || r.state === 'Running'));
if (opt.name) rows = rows.filter((r) => new RegExp(opt.name).test(r.name));
if (opt.quiet) {
  for (const r of rows) process.stdout.write(`${r.id.slice(0, 13)}\n`);
} else if (opt.json) {
  process.stdout.write(JSON.stringify({ containers: rows.map((r) => ({ id: r.id, podSandboxId: r.podId, metadata: { name: r.name, attempt: r.attempt }, image: { image: r.image }, state: `CONTAINER_${r.state.toUpperCase()}`, createdAt: String(r.createdAt * 1e6), labels: { 'io.kubernetes.pod.name': r.pod, 'io.kubernetes.pod.namespace': 'kube-system' } })) }, null, 2) + '\n');
} else {
  const ago = (t) => { const s = Math.round((Date.now() - t) / 1000); return s < 60 ? `${s} seconds ago` : `${Math.round(s / 60)} minutes ago`; };
  const cols = [['CONTAINER', 13], ['IMAGE', 20], ['CREATED', 19], ['STATE', 19], ['NAME', 23], ['ATTEMPT', 19], ['POD ID', 19], ['POD', 0]];
  const line = (vals) => vals.map((v, i) => String(v).padEnd(cols[i][1] ? Math.max(cols[i][1], String(v).length + 1) : 0)).join(' ').trimEnd();
  process.stdout.write(line(cols.map((c) => c[0])) + '\n');
  for (const r of rows) process.stdout.write(line([r.id.slice(0, 13), r.image.split(':')[0].split('/').pop(), ago(r.createdAt), r.state, r.name, r.attempt, r.podId.slice(0, 13), r.pod]) + '\n');
}
