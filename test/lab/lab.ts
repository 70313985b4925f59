// startLab: a kubeadm-shaped cluster of namespaced nodes on 127.X.0.0/16 with real sshd and
// etcd. Everything it starts is recorded in <root>/state.json before it runs, so a crash at any
// point can be cleaned up by `down`.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { claimBlock } from './alloc.js';
import { ensurePrerequisites } from './env.js';
import { ETCD_SSL, generateEtcdSsl } from './external-etcd.js';
import { makeLab, waitClusterUp, type Lab } from './handle.js';
import { etcdMemberName, REPO_ROOT, renderInventory, type LabInfo } from './inventory.js';
import { seedEtcdData, writeNodeFiles } from './node-files.js';
import type { EtcdManifestFlags } from './manifests.js';
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
  /**
   * 'stacked': etcd as a kubeadm static pod on every control plane. 'external': etcd on its own
   * hosts (e1…) as a systemd service with Kubespray's /etc/etcd.env and /etc/ssl/etcd/ssl.
   * @default 'stacked'
   */
  etcd?: 'stacked' | 'external';
  /** External etcd hosts, 1–7. @default 3 */
  etcdHosts?: number;
  /**
   * How long to wait for etcd leaders and ready apiservers. Tests pass Infinity: under load the
   * cluster takes as long as it takes, and the hook timeout is the bound. @default 30_000
   */
  clusterWaitMs?: number;
  /** Stops the cluster wait (the lab is then torn down and startLab rejects). */
  signal?: AbortSignal;
  /** Extra flags in the stacked etcd's manifest (large-e2e bench: multi-GiB dbs). @default none */
  etcdFlags?: EtcdManifestFlags;
  /**
   * An etcd v3 snapshot (host path) every stacked member is restored from before etcd first
   * starts (`etcdctl snapshot restore`, each member with its own name and peer URL, the lab's
   * --initial-cluster and token): the lab comes up holding that db (large-e2e bench: a multi-GiB
   * db without writing it through raft). Stacked etcd only. @default none (empty members)
   */
  etcdSeedSnapshot?: string;
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

/** cpN = .N, wN = .(10+N), external etcd hosts eN = .(20+N) named etcdN as Kubespray names them. */
function layout(block: number, root: string, cps: number, workers: number, sshPort: number, etcdHosts: number): LabNode[] {
  const mk = (name: string, last: number, roles: LabRole[], etcdName?: string): LabNode => ({
    name, address: `127.${block}.0.${last}`, sshPort, roles, ...(roles.includes('etcd') ? { etcdName: etcdName ?? etcdMemberName(name) } : {}), dirs: nodeDirs(root, name),
  });
  return [
    ...Array.from({ length: etcdHosts }, (_, i) => mk(`e${i + 1}`, i + 21, ['etcd'], `etcd${i + 1}`)),
    ...Array.from({ length: cps }, (_, i) => mk(`cp${i + 1}`, i + 1, etcdHosts > 0 ? ['control-plane'] : ['control-plane', 'etcd'])),
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
  const external = opts.etcd === 'external';
  const etcdHostCount = external ? opts.etcdHosts ?? 3 : 0;
  if (external && (!Number.isInteger(etcdHostCount) || etcdHostCount < 1 || etcdHostCount > 7)) throw new Error(`etcdHosts must be 1–7, got ${etcdHostCount}`);
  const seed = opts.etcdSeedSnapshot;
  if (seed !== undefined && external) throw new Error('etcdSeedSnapshot seeds stacked members only, not etcd: external');
  if (seed !== undefined && !existsSync(seed)) throw new Error(`etcdSeedSnapshot: no file ${seed}`);
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
    const nodes = layout(block, root, cpCount, workerCount, sshPort, etcdHostCount);
    const cps = nodes.filter((n) => n.roles.includes('control-plane'));
    const shared = join(root, 'pki');
    const sslDir = join(root, 'etcd-ssl');
    const clientKeyPath = join(root, 'client_key');
    const cpInfo = cps.map((c) => ({ name: c.name, address: c.address }));
    const ext = external ? { members: nodes.filter((n) => n.roles.includes('etcd')), sslDir } : undefined;
    if (ext) mkdirSync(sslDir, { recursive: true, mode: 0o700 });
    await Promise.all([
      generatePki(shared, cps, (name) => join(nodeDirs(root, name).etcKubernetes, 'pki')),
      ...(ext ? [generateEtcdSsl(sslDir, ext.members, cps)] : []),
      runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `kubedr-lab-${id}`, '-f', clientKeyPath]),
      ...nodes.map((n) => prepareNode(n, root, cpInfo, { systemd: external })),
    ]);
    copyFileSync(`${clientKeyPath}.pub`, join(root, 'authorized_keys'));
    for (const n of nodes) writeNodeFiles(n, cps, shared, ext, opts.etcdFlags);
    if (seed !== undefined) await Promise.all(cps.map((n) => seedEtcdData(n, cps, seed)));

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

    const admin = ext?.members[0]?.name;
    const etcdTls = admin
      ? { cacert: join(sslDir, 'ca.pem'), cert: join(sslDir, `admin-${admin}.pem`), key: join(sslDir, `admin-${admin}-key.pem`) }
      : { cacert: join(shared, 'etcd/ca.crt'), cert: join(shared, 'etcd/healthcheck-client.crt'), key: join(shared, 'etcd/healthcheck-client.key') };
    // Kubespray puts every etcd host's admin cert on every etcd host: the first one works on all.
    const nodeTls = admin ? { cacert: `${ETCD_SSL}/ca.pem`, cert: `${ETCD_SSL}/admin-${admin}.pem`, key: `${ETCD_SSL}/admin-${admin}-key.pem` } : undefined;
    const inventoryPath = join(root, 'inventory.yaml');
    writeFileSync(inventoryPath, renderInventory({ id, sshPort, clientKeyPath, knownHostsPath, nodes, ...(nodeTls ? { etcdTls: nodeTls } : {}) }));
    const info: LabInfo = { id, root, block, inventoryPath, knownHostsPath, clientKeyPath, etcdTls, nodes };
    writeFileSync(join(root, 'lab.json'), JSON.stringify(info, null, 2));

    const lab = makeLab(info, state);
    await waitClusterUp(lab, opts.clusterWaitMs ?? 30_000, opts.signal);
    return lab;
  } catch (e) {
    await teardown(state).catch(() => {});
    throw e;
  }
}

