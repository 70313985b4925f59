// Snapshot distribution (issue 7): one big file to 3 lab nodes, sha256 verified on each node.
//  - kubedr: the SSH transport's upload (in-process, a new transport per run, so connections are
//    cold): the file streamed into a temp name over an exec channel while it is hashed locally
//    (once for the 3 nodes), then the node hashes what it holds (openssl, else sha256sum) and
//    renames it into place.
//  - baseline: three parallel `scp`, each followed by `ssh node sha256sum` compared with the
//    known digest (an operator has it from the backup's .sha256 file, so it is not timed).
//  - reference: the same with `openssl dgst -sha256` on the node instead of sha256sum (what
//    kubedr's node-side check uses; coreutils sha256sum is ~8x slower on this CPU), so the table
//    shows how much of kubedr's lead is the transfer and how much the hasher.
// 1 GiB by default (BENCH_SNAPSHOT_MIB); halved until the source plus 3 copies fit in /tmp with
// room to spare. Every copy is removed after each run, the source and the lab in teardown.
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../src/inventory/index.js';
import type { InventoryNode } from '../src/model/index.js';
import { createSshTransport } from '../src/transport/index.js';
import { startLab, type Lab, type LabNode } from '../test/lab/index.js';
import { kubedrInventory } from './lib/fleet.js';
import type { PairedSuite } from './lib/paired.js';
import { runOk } from './lib/proc.js';
import { ensureTools, SCP, SSH } from './lib/tools.js';

const WANT_MIB = Number(process.env['BENCH_SNAPSHOT_MIB'] ?? 1024) || 1024;
const REMOTE = '/tmp/kubedr-bench-snapshot.db';
const TIMEOUT_MS = 10 * 60_000;

interface Ctx {
  lab: Lab;
  dir: string;
  file: string;
  mib: number;
  sha256: string;
  targets: LabNode[];
  nodes: InventoryNode[];
}

/** Largest size ≤ wanted (halving) whose source + 3 copies leave ≥ 2 GiB free in /tmp. */
function sizeThatFits(wantMib: number): number {
  const st = statfsSync(tmpdir());
  const freeMib = (st.bavail * st.bsize) / 2 ** 20;
  let mib = wantMib;
  while (mib > 16 && mib * 4 > freeMib - 2048) mib = Math.floor(mib / 2);
  return mib;
}

async function writeRandom(path: string, mib: number): Promise<string> {
  const fh = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  try {
    // Incompressible, so no contender gains from compression.
    for (let i = 0; i < mib; i += 16) {
      const chunk = randomBytes(Math.min(16, mib - i) * 2 ** 20);
      hash.update(chunk);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

async function setup(): Promise<Ctx> {
  await ensureTools([SSH, SCP]);
  const dir = mkdtempSync(join(tmpdir(), 'kubedr-bench-dist-'));
  let lab: Lab | undefined;
  try {
    const mib = sizeThatFits(WANT_MIB);
    const file = join(dir, 'snapshot.db');
    const sha256 = await writeRandom(file, mib);
    // Read once so both contenders start from the page cache.
    for await (const _ of createReadStream(file, { highWaterMark: 8 << 20 })) void _;
    lab = await startLab({ controlPlanes: 1, workers: 3 });
    const targets = lab.nodes.filter((n) => n.roles.includes('worker'));
    const inventory = await loadInventory(kubedrInventory(lab, targets, join(dir, 'inventory.yaml')));
    return { lab, dir, file, mib, sha256, targets, nodes: inventory.nodes };
  } catch (e) {
    await lab?.down();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

const sshOpts = (lab: Lab): string[] => ['-i', lab.clientKeyPath, '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];

const removeCopies = (ctx: Ctx): Promise<void> => {
  for (const n of ctx.targets) rmSync(ctx.lab.hostPath(n.name, REMOTE), { force: true });
  return Promise.resolve();
};

const SCP_NAME = 'snapshot to 3 nodes + sha256: 3 parallel scp + ssh sha256sum';
const KUBEDR_NAME = 'snapshot to 3 nodes + sha256: kubedr upload';

/** 3 parallel scp, each followed by `ssh node <hash> file` checked against the known digest. */
function scpThen(hash: string): (ctx: Ctx) => Promise<undefined> {
  return async (ctx) => {
    await Promise.all(ctx.targets.map(async (n) => {
      await runOk('scp', [...sshOpts(ctx.lab), '-P', String(n.sshPort), '-q', ctx.file, `root@${n.address}:${REMOTE}`], { timeoutMs: TIMEOUT_MS });
      const r = await runOk('ssh', [...sshOpts(ctx.lab), '-p', String(n.sshPort), `root@${n.address}`, `${hash} ${REMOTE}`], { timeoutMs: TIMEOUT_MS });
      // sha256sum: "<hex>  <path>"; openssl dgst -r: "<hex> *<path>".
      if (r.stdout.split(' ')[0] !== ctx.sha256) throw new Error(`scp + ${hash}: sha256 mismatch on ${n.name}`);
    }));
    return undefined;
  };
}

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  suite: 'distribute',
  description: 'one snapshot-sized random file to 3 lab nodes with sha256 verified on each: kubedr transport upload vs 3 parallel scp + remote sha256sum',
  setup,
  teardown: async (ctx) => {
    try {
      await removeCopies(ctx);
    } finally {
      await ctx.lab.down();
      rmSync(ctx.dir, { recursive: true, force: true });
    }
  },
  info: (ctx) => ({ sizeMiB: ctx.mib, wantedMiB: WANT_MIB, nodes: ctx.targets.map((n) => n.name), remotePath: REMOTE, kubedr: 'createSshTransport().upload() ×3 in parallel, in-process, new transport per run (exec-channel stream, local sha256 once on a worker thread, node-side openssl dgst, rename)', baseline: 'scp (OpenSSH default: SFTP protocol) then ssh sha256sum, per node, 3 nodes in parallel; StrictHostKeyChecking=yes', reference: 'the same with ssh openssl dgst -sha256 -r instead of sha256sum; its ratio is against kubedr' }),
  contenders: [
    { name: SCP_NAME, run: scpThen('sha256sum'), after: removeCopies },
    {
      name: KUBEDR_NAME,
      baseline: SCP_NAME,
      goal: { max: 1.0, text: 'no slower than scp (ratio ≤ 1.0)' },
      run: async (ctx) => {
        const t = createSshTransport({ nodes: ctx.nodes });
        try {
          const results = await Promise.all(ctx.nodes.map((n) => t.upload(n.name, ctx.file, REMOTE, { sudo: false })));
          if (results.some((r) => r.sha256 !== ctx.sha256)) throw new Error('kubedr upload: sha256 differs from the source');
        } finally {
          await t.close();
        }
        return undefined;
      },
      after: removeCopies,
    },
    // Reference, not a goal: ratio = this / kubedr (above 1: kubedr faster).
    { name: 'snapshot to 3 nodes + sha256: 3 parallel scp + ssh openssl dgst (reference)', baseline: KUBEDR_NAME, run: scpThen('openssl dgst -sha256 -r'), after: removeCopies },
  ],
};
export default suite;
