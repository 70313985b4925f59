// Transport numbers as ratios against OpenSSH in the same run (never as timed assertions):
// connect time, exec round trip vs a bare ssh2 exec, upload/download of a big file vs scp
// (+ remote sha256sum, which kubedr also does). Usage: npx tsx test/transport/bench/throughput.ts [MB]
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { createSshTransport, type StreamTuning } from '../../../src/transport/index.js';
import { genKey, nodeFor, startSshd } from '../helpers/sshd.js';

const mb = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'kubedr-bench-'));
const key = join(dir, 'id');
const known = join(dir, 'known_hosts');
const sshd = await startSshd({ dir, authorizedKeys: `${genKey(key)}\n` });
writeFileSync(known, `${sshd.knownHostsLine}\n`);
const sshArgs = ['-i', key, '-P', String(sshd.port), '-o', `UserKnownHostsFile=${known}`, '-o', 'BatchMode=yes'];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const time = async (fn: () => unknown): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

try {
  const node = nodeFor('n', sshd, { identityFile: key, knownHostsFile: known });
  const opts = { timeoutMs: 600_000, sudo: false };

  // Connect: kubedr (host-key check + auth) vs a bare ssh2 connect.
  const connects: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = createSshTransport({ nodes: [node] });
    connects.push(await time(() => t.connect('n')));
    await t.close();
    const c = new ssh2.Client();
    bare.push(await time(() => new Promise<void>((r, j) => c.on('ready', () => r()).on('error', j).connect({ host: sshd.host, port: sshd.port, username: 'root', privateKey: readFileSync(key) }))));
    c.end();
  }
  console.log(`connect: kubedr ${median(connects).toFixed(0)} ms, bare ssh2 ${median(bare).toFixed(0)} ms, ratio ${(median(connects) / median(bare)).toFixed(2)}`);

  // Exec round trip on a warm connection.
  const t = createSshTransport({ nodes: [node] });
  await t.exec('n', 'true', opts);
  const c = new ssh2.Client();
  await new Promise<void>((r) => c.on('ready', () => r()).connect({ host: sshd.host, port: sshd.port, username: 'root', privateKey: readFileSync(key) }));
  const bareExec = (): Promise<void> => new Promise((r) => c.exec('true', (_e, ch) => ch.on('close', () => r()).resume().end()));
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < 9; i++) {
    ours.push(await time(() => t.exec('n', 'true', opts)));
    raw.push(await time(bareExec));
  }
  c.end();
  console.log(`exec round trip: kubedr ${median(ours).toFixed(0)} ms, bare ssh2 exec ${median(raw).toFixed(0)} ms, ratio ${(median(ours) / median(raw)).toFixed(2)}`);
  await t.close();

  // Big file: kubedr upload (exec stream + local sha256 + remote openssl/sha256sum + mv) vs scp +
  // remote sha256sum; download (SFTP, per request tuning) vs remote sha256sum + scp.
  const file = join(dir, 'big');
  execFileSync('sh', ['-c', `head -c ${mb}M /dev/urandom > ${file}`]);
  for await (const _ of createReadStream(file)) void _; // warm the page cache for both sides
  const dest = join(dir, 'dest');
  const tunings: StreamTuning[] = [
    { chunkSize: 32 * 1024, concurrency: 64 },
    { chunkSize: 64 * 1024, concurrency: 32 },
    { chunkSize: 128 * 1024, concurrency: 32 },
    { chunkSize: 255 * 1024, concurrency: 16 },
  ];
  // ssh2's own fastPut (no hashing, no verification): is our pipelined writer the bottleneck?
  const fast = new ssh2.Client();
  await new Promise<void>((r) => fast.on('ready', () => r()).connect({ host: sshd.host, port: sshd.port, username: 'root', privateKey: readFileSync(key) }));
  const sftp = await new Promise<ssh2.SFTPWrapper>((r, j) => fast.sftp((e, s) => (e ? j(e) : r(s))));
  const fastPut: number[] = [];
  const scpUp: number[] = [];
  const scpDown: number[] = [];
  const up = new Map<string, number[]>();
  const down = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    scpUp.push(await time(() => execFileSync('sh', ['-c', `scp -q ${sshArgs.map((a) => `'${a}'`).join(' ')} ${file} root@${sshd.host}:${dest}.scp && ssh ${sshArgs.join(' ').replace('-P', '-p')} root@${sshd.host} sha256sum ${dest}.scp >/dev/null`])));
    scpDown.push(await time(() => execFileSync('sh', ['-c', `ssh ${sshArgs.join(' ').replace('-P', '-p')} root@${sshd.host} sha256sum ${dest}.scp >/dev/null && scp -q ${sshArgs.map((a) => `'${a}'`).join(' ')} root@${sshd.host}:${dest}.scp ${dest}.back`])));
    fastPut.push(await time(() => new Promise<void>((r, j) => sftp.fastPut(file, `${dest}.fast`, { concurrency: 64, chunkSize: 32768 }, (e) => (e ? j(e) : r())))));
    for (const tuning of tunings) {
      const label = `${tuning.chunkSize / 1024}K x ${tuning.concurrency}`;
      const tt = createSshTransport({ nodes: [node], transferTuning: tuning });
      await tt.connect('n');
      // Uploads stream over exec: the SFTP tuning does not apply, so one row is enough.
      if (tuning === tunings[0]) up.set('exec stream', [...(up.get('exec stream') ?? []), await time(() => tt.upload('n', file, dest, { sudo: false }))]);
      down.set(label, [...(down.get(label) ?? []), await time(() => tt.download('n', dest, `${dest}.down`, { sudo: false }))]);
      await tt.close();
    }
  }
  const mbps = (ms: number): string => `${((mb / ms) * 1000).toFixed(0)} MB/s`;
  fast.end();
  console.log(`upload ${mb} MB: scp+sha256sum ${median(scpUp).toFixed(0)} ms (${mbps(median(scpUp))}); bare ssh2 fastPut (no hash/verify) ${median(fastPut).toFixed(0)} ms (${mbps(median(fastPut))})`);
  for (const [label, xs] of up) console.log(`  kubedr ${label}: ${median(xs).toFixed(0)} ms (${mbps(median(xs))}), ratio to scp ${(median(xs) / median(scpUp)).toFixed(2)}`);
  console.log(`download ${mb} MB: sha256sum+scp ${median(scpDown).toFixed(0)} ms (${mbps(median(scpDown))})`);
  for (const [label, xs] of down) console.log(`  kubedr ${label}: ${median(xs).toFixed(0)} ms (${mbps(median(xs))}), ratio to scp ${(median(xs) / median(scpDown)).toFixed(2)}`);
} finally {
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
