// startLab: a kubeadm-shaped cluster of namespaced nodes on 127.X.0.0/16 with real sshd and
// etcd. Everything it starts is recorded in <root>/state.json before it runs, so a crash at any
// point can be cleaned up by `down`.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { claimBlock } from './alloc.js';
import { EtcdClient } from './etcd-client.js';
import { ensurePrerequisites } from './env.js';
import { REPO_ROOT, renderInventory, type LabInfo } from './inventory.js';
import { apiserverManifest, componentManifest, etcdManifest, kubeconfig } from './manifests.js';
import {
  findInitPid, hostKeyLine, initReady, NODE_MOUNTS, nodeDirs, prepareNode, spawnNode, waitForPort,
  type LabNode, type LabRole,
} from './node-start.js';
import { generatePki } from './pki.js';
import { processStartTime, run, runOk, waitFor, type RunResult } from './proc.js';
import { isOrphaned, LAB_ROOT_PREFIX, listLabs, teardown, TMP, writeState, type LabState } from './state.js';

export interface LabOptions {
  /** Control-plane nodes with stacked etcd, 1–7. @default 3 */
  controlPlanes?: number;
  /** Worker nodes, 0–50. @default 2 */
  workers?: number;
  /** Tie the lab's life to this process (tests). False for `npm run lab -- up`. @default true */
  owned?: boolean;
}

export interface Lab extends LabInfo {
  state: LabState;
  etcd: EtcdClient;
  node(name: string): LabNode;
  /** Map a path as seen inside a node to the host path that backs it. */
  hostPath(node: string, path: string): string;
  /** Run `sh -c cmd` inside the node's namespaces (nsenter), no SSH involved. */
  exec(node: string, cmd: string, opts?: { timeoutMs?: number }): Promise<RunResult>;
  /** Run `cmd` over OpenSSH with the lab's client key and known_hosts (strict host key checking). */
  ssh(node: string, cmd: string, opts?: { timeoutMs?: number; input?: string }): Promise<RunResult>;
  /** https://addr:2379 of a control-plane node. */
  clientURL(node: string): string;
  down(): Promise<void>;
}

const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Port 22 on each node's own address, unless the host's sshd already holds 0.0.0.0:22. */
async function chooseSshPort(address: string): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(22, address, () => s.close(() => resolve(true)));
  });
  return free ? 22 : 2222;
}

function layout(block: number, root: string, cps: number, workers: number, sshPort: number): LabNode[] {
  const mk = (name: string, last: number, roles: LabRole[]): LabNode => ({ name, address: `127.${block}.0.${last}`, sshPort, roles, dirs: nodeDirs(root, name) });
  return [
    ...Array.from({ length: cps }, (_, i) => mk(`cp${i + 1}`, i + 1, ['control-plane', 'etcd'])),
    ...Array.from({ length: workers }, (_, i) => mk(`w${i + 1}`, i + 11, ['worker'])),
  ];
}

/** An error that carries the tail of the node's init and sshd logs (they are gone after teardown). */
function nodeFailure(logs: string, e: unknown): Error {
  const tail = ['init.log', 'sshd.log'].map((f) => {
    try {
      return readFileSync(join(logs, f), 'utf8').trim().split('\n').slice(-5).map((l) => `  ${f}: ${l}`).join('\n');
    } catch {
      return '';
    }
  }).filter(Boolean).join('\n');
  return new Error(`${e instanceof Error ? e.message : String(e)}${tail ? `\n${tail}` : ''}`, { cause: e });
}

/** Tear down labs whose owning test process died (kill -9, OOM) before they could clean up. */
export async function sweepOrphans(): Promise<string[]> {
  const swept: string[] = [];
  for (const s of listLabs().filter(isOrphaned)) {
    await teardown(s);
    swept.push(s.id);
  }
  return swept;
}

function writeNodeFiles(n: LabNode, cps: LabNode[], shared: string): void {
  const k = n.dirs.etcKubernetes;
  const caPem = readFileSync(join(shared, 'ca.crt'), 'utf8');
  if (n.roles.includes('control-plane')) {
    for (const f of ['ca.crt', 'ca.key', 'etcd/ca.crt', 'etcd/ca.key', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key', 'apiserver-etcd-client.crt', 'apiserver-etcd-client.key']) {
      mkdirSync(join(k, 'pki', 'etcd'), { recursive: true });
      copyFileSync(join(shared, f), join(k, 'pki', f));
    }
    const server = `https://${n.address}:6443`;
    const admin = { cert: readFileSync(join(shared, 'admin.crt'), 'utf8'), key: readFileSync(join(shared, 'admin.key'), 'utf8') };
    writeFileSync(join(k, 'admin.conf'), kubeconfig(server, caPem, 'kubernetes-admin', admin), { mode: 0o600 });
    for (const c of ['controller-manager.conf', 'scheduler.conf']) writeFileSync(join(k, c), kubeconfig(server, caPem, c.replace('.conf', '')));
    const m = join(k, 'manifests');
    const members = cps.map((c) => ({ name: c.name, address: c.address }));
    writeFileSync(join(m, 'etcd.yaml'), etcdManifest(n, members), { mode: 0o600 });
    writeFileSync(join(m, 'kube-apiserver.yaml'), apiserverManifest(n), { mode: 0o600 });
    writeFileSync(join(m, 'kube-controller-manager.yaml'), componentManifest('kube-controller-manager'), { mode: 0o600 });
    writeFileSync(join(m, 'kube-scheduler.yaml'), componentManifest('kube-scheduler'), { mode: 0o600 });
  } else {
    // A worker as `kubeadm join` leaves it.
    writeFileSync(join(k, 'pki', 'ca.crt'), caPem);
    writeFileSync(join(k, 'kubelet.conf'), kubeconfig(`https://${cps[0]?.address ?? ''}:6443`, caPem, 'default-auth'));
    writeFileSync(join(n.dirs.kubelet, 'kubedr-lab-joined.json'), JSON.stringify({ joinedAt: new Date().toISOString(), server: `https://${cps[0]?.address ?? ''}:6443` }));
  }
}

/** Bring a lab up; on any failure it tears down what it started and rethrows. */
export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const cpCount = opts.controlPlanes ?? 3;
  const workerCount = opts.workers ?? 2;
  if (!Number.isInteger(cpCount) || cpCount < 1 || cpCount > 7) throw new Error(`controlPlanes must be 1–7, got ${cpCount}`);
  if (!Number.isInteger(workerCount) || workerCount < 0 || workerCount > 50) throw new Error(`workers must be 0–50, got ${workerCount}`);
  const owned = opts.owned ?? true;
  await ensurePrerequisites();
  await sweepOrphans();

  const id = randomBytes(3).toString('hex');
  const root = join(TMP, `${LAB_ROOT_PREFIX}${id}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const block = claimBlock(id, root);
  const ownerStart = processStartTime(process.pid);
  const state: LabState = {
    id, root, block, createdAt: new Date().toISOString(), repo: REPO_ROOT,
    ...(owned ? { owner: { pid: process.pid, ...(ownerStart === undefined ? {} : { startTime: ownerStart }) } } : {}),
    nodes: [], mounts: NODE_MOUNTS.map(([target]) => target),
  };
  writeState(state);
  try {
    const sshPort = await chooseSshPort(`127.${block}.0.1`);
    const nodes = layout(block, root, cpCount, workerCount, sshPort);
    const cps = nodes.filter((n) => n.roles.includes('control-plane'));
    const shared = join(root, 'pki');
    const clientKeyPath = join(root, 'client_key');
    const cpInfo = cps.map((c) => ({ name: c.name, address: c.address }));
    await Promise.all([
      generatePki(shared, cps, (name) => join(nodeDirs(root, name).etcKubernetes, 'pki')),
      runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `kubedr-lab-${id}`, '-f', clientKeyPath]),
      ...nodes.map((n) => prepareNode(n, root, cpInfo)),
    ]);
    copyFileSync(`${clientKeyPath}.pub`, join(root, 'authorized_keys'));
    for (const n of nodes) writeNodeFiles(n, cps, shared);

    for (const n of nodes) {
      const started = spawnNode(n, root, owned);
      state.nodes.push({ name: n.name, unsharePid: started.unsharePid, ...(started.unshareStart === undefined ? {} : { unshareStart: started.unshareStart }) });
      writeState(state);
    }
    await Promise.all(state.nodes.map(async (rec) => {
      rec.initPid = await findInitPid(rec.unsharePid).catch((e: unknown) => {
        throw nodeFailure(nodeDirs(root, rec.name).logs, e);
      });
      const t = processStartTime(rec.initPid);
      if (t !== undefined) rec.initStart = t;
    }));
    writeState(state);

    const knownHostsPath = join(root, 'known_hosts');
    await Promise.all(nodes.map(async (n) => {
      try {
        await waitFor(`node ${n.name} to start`, 10_000, async () => (initReady(n) ? true : undefined), 50);
        await waitForPort(n.address, n.sshPort, 10_000);
      } catch (e) {
        throw nodeFailure(n.dirs.logs, e);
      }
    }));
    writeFileSync(knownHostsPath, nodes.map(hostKeyLine).join('\n') + '\n');

    const etcdTls = { cacert: join(shared, 'etcd/ca.crt'), cert: join(shared, 'etcd/healthcheck-client.crt'), key: join(shared, 'etcd/healthcheck-client.key') };
    const inventoryPath = join(root, 'inventory.yaml');
    writeFileSync(inventoryPath, renderInventory({ id, sshPort, clientKeyPath, knownHostsPath, nodes }));
    const info: LabInfo = { id, root, block, inventoryPath, knownHostsPath, clientKeyPath, etcdTls, nodes };
    writeFileSync(join(root, 'lab.json'), JSON.stringify(info, null, 2));

    const lab = makeLab(info, state);
    await waitClusterUp(lab, 30_000);
    return lab;
  } catch (e) {
    await teardown(state).catch(() => {});
    throw e;
  }
}

/** Every etcd member healthy with a leader, and every apiserver's /readyz 200. */
export async function waitClusterUp(lab: Lab, timeoutMs: number): Promise<void> {
  const cps = lab.nodes.filter((n) => n.roles.includes('control-plane'));
  await Promise.all(cps.map((n) => waitFor(`etcd on ${n.name} to have a leader`, timeoutMs, async () => {
    const s = await lab.etcd.status(lab.clientURL(n.name), 1000);
    return s.leader && s.leader !== '0' ? true : undefined;
  }, 100)));
  await Promise.all(cps.map((n) => waitFor(`kube-apiserver on ${n.name} to be ready`, timeoutMs, async () => {
    return (await apiserverReady(lab, n.name)) ? true : undefined;
  }, 100)));
}

/** GET /readyz on the node's apiserver, trusting the cluster CA; false on any error. */
export function apiserverReady(lab: LabInfo, name: string): Promise<boolean> {
  const n = lab.nodes.find((x) => x.name === name);
  if (!n) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = httpsGet(`https://${n.address}:6443/readyz`, { ca: readFileSync(join(lab.root, 'pki', 'ca.crt')), timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

/** Attach to the lab's facts (used by startLab and by `status`/tests that read lab.json). */
export function makeLab(info: LabInfo, state: LabState): Lab {
  const etcd = new EtcdClient(info.etcdTls);
  const node = (name: string): LabNode => {
    const n = info.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no lab node ${name} (have ${info.nodes.map((x) => x.name).join(', ')})`);
    return n;
  };
  const initPid = (name: string): number => {
    const pid = state.nodes.find((x) => x.name === name)?.initPid;
    if (!pid) throw new Error(`lab node ${name} is not running`);
    return pid;
  };
  return {
    ...info,
    state,
    etcd,
    node,
    hostPath(name, path) {
      const n = node(name);
      if (path === info.root || path.startsWith(`${info.root}/`)) return path;
      for (const [target, key] of [...NODE_MOUNTS].sort((a, b) => b[0].length - a[0].length)) {
        if (path === target || path.startsWith(`${target}/`)) return n.dirs[key] + path.slice(target.length);
      }
      return path;
    },
    exec(name, cmd, o = {}) {
      return run('nsenter', ['-t', String(initPid(name)), '-m', '-u', '-p', '--', '/bin/sh', '-c', cmd], {
        env: { ...process.env, PATH: NODE_PATH },
        ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      });
    },
    ssh(name, cmd, o = {}) {
      const n = node(name);
      return run('ssh', [
        '-F', '/dev/null', '-i', info.clientKeyPath, '-p', String(n.sshPort),
        '-o', `UserKnownHostsFile=${info.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null',
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=10',
        `root@${n.address}`, cmd,
      ], { ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}), ...(o.input === undefined ? {} : { input: o.input }) });
    },
    clientURL: (name) => `https://${node(name).address}:2379`,
    async down() {
      etcd.close();
      await teardown(state);
    },
  };
}
