// Download of one big random file from a lab node: kubedr's transport download (SFTP + node-side
// sha256 + local sha256 + temp name + rename) under several SFTP tunings vs plain `scp` of the
// same file. Rounds interleaved (order reversed every other round); ratio per round vs scp.
// Usage: npx tsx bench/download-lab.ts [MiB=1024] [rounds=3] [variants=old,new]
//   variants: old = 64K x 32, each write awaited (main before this change); w4 = 64K x 32,
//   4 writes in flight; c128 = 128K x 16, 4 writes; c252 = 252K x 8, 4 writes; new = DEFAULT_TUNING.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../src/inventory/index.js';
import { createSshTransport, type StreamTuning } from '../src/transport/index.js';
import { DEFAULT_TUNING } from '../src/transport/sftp-stream.js';
import { startLab } from '../test/lab/index.js';
import { kubedrInventory } from './lib/fleet.js';
import { runOk } from './lib/proc.js';

const MIB = Number(process.argv[2] ?? 1024);
const ROUNDS = Number(process.argv[3] ?? 3);
const VARIANTS: Record<string, StreamTuning> = {
  old: { chunkSize: 64 * 1024, concurrency: 32, writesInFlight: 1 },
  w4: { chunkSize: 64 * 1024, concurrency: 32, writesInFlight: 4 },
  c128: { chunkSize: 128 * 1024, concurrency: 16, writesInFlight: 4 },
  c252: { chunkSize: 252 * 1024, concurrency: 8, writesInFlight: 4 },
  c252x16: { chunkSize: 252 * 1024, concurrency: 16, writesInFlight: 4 },
  new: DEFAULT_TUNING,
};
const chosen = (process.argv[4] ?? 'old,new').split(',');
const REMOTE = '/tmp/kubedr-dl-bench.bin';
const la = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const dir = mkdtempSync(join(tmpdir(), 'kubedr-dl-bench-'));
const lab = await startLab({ controlPlanes: 1, workers: 1 });
try {
  const node = lab.nodes.find((n) => n.roles.includes('worker')) ?? lab.nodes[0];
  if (!node) throw new Error('no lab node');
  const inventory = await loadInventory(kubedrInventory(lab, [node], join(dir, 'inventory.yaml')));
  const inv = inventory.nodes[0];
  if (!inv) throw new Error('no inventory node');
  // Random (incompressible) file, written straight into the node's filesystem.
  const hash = createHash('sha256');
  const fh = await open(lab.hostPath(node.name, REMOTE), 'w', 0o600);
  for (let i = 0; i < MIB; i += 16) {
    const c = randomBytes(Math.min(16, MIB - i) * 2 ** 20);
    hash.update(c);
    await fh.write(c);
  }
  await fh.close();
  const sha256 = hash.digest('hex');
  const dest = join(dir, 'dest.bin');
  const ssh = ['-i', lab.clientKeyPath, '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
  const contenders: [string, () => Promise<void>][] = [
    ['scp', async () => void (await runOk('scp', [...ssh, '-P', String(node.sshPort), '-q', `root@${node.address}:${REMOTE}`, dest], { timeoutMs: 600_000 }))],
    ...chosen.map((v): [string, () => Promise<void>] => [`kubedr ${v}`, async () => {
      const tuning = VARIANTS[v];
      if (!tuning) throw new Error(`unknown variant ${v}`);
      const t = createSshTransport({ nodes: [inv], transferTuning: tuning });
      try {
        const r = await t.download(inv.name, REMOTE, dest, { sudo: false });
        if (r.sha256 !== sha256) throw new Error('sha256 differs');
      } finally {
        await t.close();
      }
    }]),
  ];
  const times = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  console.log(`${MIB} MiB, ${ROUNDS} rounds (+1 warm-up), load at start ${la()}`);
  for (let r = 0; r <= ROUNDS; r++) {
    const order = r % 2 ? [...contenders].reverse() : contenders;
    const round = new Map<string, number>();
    for (const [name, fn] of order) {
      const t0 = performance.now();
      await fn();
      const ms = performance.now() - t0;
      rmSync(dest, { force: true });
      round.set(name, ms);
      console.log(`  round ${r}${r === 0 ? ' (warm-up)' : ''} ${name}: ${(ms / 1000).toFixed(1)} s ${(MIB / (ms / 1000)).toFixed(0)} MiB/s (load ${la()})`);
    }
    if (r === 0) continue;
    for (const [name, ms] of round) {
      times.set(name, [...(times.get(name) ?? []), ms]);
      ratios.set(name, [...(ratios.get(name) ?? []), ms / (round.get('scp') ?? NaN)]);
    }
  }
  for (const [name, xs] of times) {
    const rs = ratios.get(name) ?? [];
    console.log(`${name}: median ${(median(xs) / 1000).toFixed(1)} s = ${(MIB / (median(xs) / 1000)).toFixed(0)} MiB/s; ratio vs scp median ${median(rs).toFixed(2)} [${rs.map((x) => x.toFixed(2)).join(' ')}]`);
  }
  console.log(`load at end ${la()}`);
} finally {
  await lab.down();
  rmSync(dir, { recursive: true, force: true });
}
