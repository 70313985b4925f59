// The machine a result was measured on: figures only compare within one machine and one run.
import { cpus, freemem, hostname, loadavg, totalmem } from 'node:os';
import { versionOf } from './tools.js';

export interface Machine {
  host: string;
  nproc: number;
  cpuModel: string;
  memTotalGiB: number;
  memFreeGiB: number;
  loadAvgAtStart: number[];
  node: string;
  etcd: string;
  etcdctl: string;
  ansible: string;
  openssh: string;
  kernel: string;
}

export async function describeMachine(): Promise<Machine> {
  const gib = (n: number): number => Math.round((n / 2 ** 30) * 10) / 10;
  const [etcd, etcdctl, ansible, openssh, kernel] = await Promise.all([
    versionOf('etcd', ['--version']),
    versionOf('etcdctl', ['version']),
    versionOf('ansible-playbook', ['--version']),
    versionOf('ssh', ['-V']),
    versionOf('uname', ['-sr']),
  ]);
  return {
    host: hostname(),
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalGiB: gib(totalmem()),
    memFreeGiB: gib(freemem()),
    loadAvgAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    etcd,
    etcdctl,
    ansible,
    openssh,
    kernel,
  };
}
