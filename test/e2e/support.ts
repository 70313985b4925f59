// Drives the real CLI against the lab: spawns `node --import tsx src/cli/entry.ts …` (one
// process, so a SIGKILL hits kubedr itself), parses the `--output json` event stream, writes
// inventories for the lab, and reads node state through lab.exec.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { RunEvent } from '../../src/model/index.js';
import type { Lab } from '../lab/index.js';
import { inventoryEtcdLine, REPO_ROOT } from '../lab/inventory.js';

export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'runbooks', 'e2e');
export const runbook = (name: string): string => join(FIXTURES, `${name}.yaml`);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  events: RunEvent[];
}

export interface CliChild {
  child: ChildProcess;
  events: RunEvent[];
  /** Resolves with the first event matching `pred` (already seen or future). */
  waitEvent(pred: (e: RunEvent) => boolean): Promise<RunEvent>;
  done: Promise<CliResult>;
}

/** Starts kubedr; the child never reads a terminal (stdin is /dev/null). */
export function startCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliChild {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'entry.ts'), ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, CI: 'true', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const events: RunEvent[] = [];
  const waiters: { pred: (e: RunEvent) => boolean; resolve: (e: RunEvent) => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const e = eventOf(line);
      if (!e) continue;
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 1), stdout, stderr, events }));
  });
  return {
    child,
    events,
    waitEvent: (pred) => {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    done,
  };
}

export function cli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** A line of `--output json` progress, or undefined for any other output. */
function eventOf(line: string): RunEvent | undefined {
  if (!line.startsWith('{"kind":')) return undefined;
  return JSON.parse(line) as RunEvent;
}

/**
 * The same CLI in this process (main(), output captured): spawning costs seconds on a loaded
 * machine, so commands whose process identity does not matter run here.
 */
export async function cliHere(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const saved = Object.fromEntries(Object.keys({ CI: '', ...env }).map((k) => [k, process.env[k]]));
  Object.assign(process.env, { CI: 'true', ...env });
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main([...args]);
    const events = stdout.split('\n').flatMap((l) => eventOf(l) ?? []);
    return { code, stdout, stderr, events };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kubedr-e2e-${prefix}-`));
}

export interface InventoryExtras {
  knownHostsFile?: string;
  /** Extra YAML lines under each node (indented by the caller's content, 4 spaces added). */
  nodeExtra?: (node: string) => string;
  /** Extra top-level YAML (e.g. a `vars:` block). */
  top?: string;
}

/** A kubedr inventory for the lab (same facts as the lab's own), with optional additions. */
export function writeInventory(lab: Lab, dir: string, name: string, x: InventoryExtras = {}): string {
  const sshPort = lab.nodes[0]?.sshPort ?? 22;
  const nodes = lab.nodes.map((n) => {
    const extra = x.nodeExtra?.(n.name) ?? '';
    return `  - name: ${n.name}\n    address: ${n.address}\n    roles: [${n.roles.join(', ')}]${inventoryEtcdLine(n)}\n${extra.split('\n').filter(Boolean).map((l) => `    ${l}\n`).join('')}`;
  }).join('');
  const text = `apiVersion: kubedr.io/v1alpha1
kind: Inventory
cluster:
  name: lab-${lab.id}
defaults:
  ssh:
    user: root
    port: ${sshPort}
    identityFile: ${lab.clientKeyPath}
    knownHostsFile: ${x.knownHostsFile ?? lab.knownHostsPath}
    connectTimeout: 10s
etcd:
  tls:
    cacert: /etc/kubernetes/pki/etcd/ca.crt
    cert: /etc/kubernetes/pki/etcd/healthcheck-client.crt
    key: /etc/kubernetes/pki/etcd/healthcheck-client.key
${x.top ?? ''}
nodes:
${nodes}`;
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** Lines of a node file (empty when it does not exist), read inside the node. */
export async function nodeLines(lab: Lab, node: string, path: string): Promise<string[]> {
  const r = await lab.exec(node, `cat ${path} 2>/dev/null || true`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** sha256 of every file plus type/mode/size of every entry under the given node paths. */
export async function treeDigest(lab: Lab, node: string, paths: readonly string[]): Promise<string> {
  const list = paths.join(' ');
  const r = await lab.exec(node, `find ${list} -printf '%p %y %m %s\\n' 2>/dev/null | sort; find ${list} -type f -exec sha256sum {} + 2>/dev/null | sort`);
  return r.stdout;
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export const taskKeys = (events: RunEvent[], kind: 'task-end' | 'task-start'): string[] =>
  events.flatMap((e) => (e.kind === kind ? [`${e.stepId}@${e.node}`] : []));

/** The run id announced by the first `run-start` event of a `--output json` stream. */
export function runIdOf(events: RunEvent[]): string {
  const start = events.find((e) => e.kind === 'run-start');
  if (start?.kind !== 'run-start') throw new Error('no run-start event');
  return start.runId;
}
