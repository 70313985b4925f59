// The handle tests use to drive a running lab: run commands in a node (nsenter or OpenSSH),
// map node paths to host paths, reach etcd and the apiservers, and take the lab down.
import { existsSync, readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { EtcdClient } from './etcd-client.js';
import type { LabInfo } from './inventory.js';
import { NODE_MOUNTS, type LabNode } from './node-start.js';
import { run, waitFor, type RunResult } from './proc.js';
import { teardown, type LabState } from './state.js';

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
  /** https://addr:2379 of a node that runs an etcd member. */
  clientURL(node: string): string;
  down(): Promise<void>;
}

const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Every etcd member healthy with a leader, and every apiserver's /readyz 200. */
export async function waitClusterUp(lab: Lab, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const cps = lab.nodes.filter((n) => n.roles.includes('control-plane'));
  const members = lab.nodes.filter((n) => n.roles.includes('etcd'));
  await Promise.all(members.map((n) => waitFor(`etcd on ${n.name} to have a leader`, timeoutMs, async () => {
    const s = await lab.etcd.status(lab.clientURL(n.name), 1000);
    return s.leader && s.leader !== '0' ? true : undefined;
  }, 100, signal)));
  await Promise.all(cps.map((n) => waitFor(`kube-apiserver on ${n.name} to be ready`, timeoutMs, async () => {
    return (await apiserverReady(lab, n.name)) ? true : undefined;
  }, 100, signal)));
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
      // A node with its own /etc (overlay): what the node wrote is in the upper dir.
      if (path.startsWith('/etc/') && existsSync(n.dirs.etc)) return n.dirs.etc + path.slice('/etc'.length);
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
