// startLab: a kubeadm-shaped cluster of namespaced nodes on 127.X.0.0/16 with real sshd and
// etcd. Everything it starts is recorded in <root>/state.json before it runs, so a crash at any
// point can be cleaned up by `down`.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { claimBlock } from './alloc.js';
import { ensurePrerequisites } from './env.js';
import { makeLab, waitClusterUp, type Lab } from './handle.js';
import { REPO_ROOT, renderInventory, type LabInfo } from './inventory.js';
import { writeNodeFiles } from './node-files.js';
import {
  findInitPid, hostKeyLine, initReady, NODE_MOUNTS, nodeDirs, prepareNode, spawnNode, waitForPort,
  type LabNode, type LabRole,
} from './node-start.js';
import { generatePki } from './pki.js';
import { processStartTime, runOk, waitFor } from './proc.js';
import { isOrphaned, LAB_ROOT_PREFIX, listLabs, teardown, TMP, writeState, type LabState } from './state.js';

export type { Lab } from './handle.js';

export interface LabOptions {
  /** Control-plane nodes with stacked etcd, 1–7. @default 3 */
  controlPlanes?: number;
  /** Worker nodes, 0–50. @default 2 */
  workers?: number;
  /** Tie the lab's life to this process (tests). False for `npm run lab -- up`. @default true */
  owned?: boolean;
}

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
    try {
      await teardown(s);
      swept.push(s.id);
    } catch (e) {
      // Never block a new lab on an old one; `npm run lab -- down --all` reports it again.
      process.stderr.write(`kubedr lab: could not clean up orphaned lab ${s.id}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  return swept;
}

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

