// The local (zx) transport: same ExecResult shape, timeout and abort, verified copies.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalTransport } from '../../src/transport/index.js';
import { processesWith, uniqueMarker } from '../helpers/procs.js';
import { until, untilExists } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const t = createLocalTransport({ cwd: dir });
// No per-exec deadline where the test is not about one: the test's own timeout bounds a hang.
const opts = { timeoutMs: 3_600_000, sudo: false };

describe('local exec', () => {
  it('returns output and a non-zero exit code as a result', async () => {
    const r = await t.exec('local', 'echo out; echo err >&2; exit 3', opts);
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('feeds stdin and runs in the given cwd, quoting nothing away', async () => {
    const r = await t.exec('local', `cat; pwd; printf '%s' "$(echo '$(x)')"`, { ...opts, stdin: 'in\n' });
    expect(r.stdout).toBe(`in\n${dir}\n$(x)`);
  });

  it('kills on timeout with TRANSPORT_TIMEOUT, children included', async () => {
    const flag = join(dir, 'late');
    const marker = uniqueMarker('local-timeout');
    await expect(t.exec('local', `(sh -c 'sleep 300; : ${marker}'; touch ${flag}) & sleep 300`, { ...opts, timeoutMs: 300 })).rejects.toMatchObject({ code: 'TRANSPORT_TIMEOUT', failure: 'timeout' });
    // Gone, not merely not finished yet: nothing is left that could still create the flag.
    await until('the tree to be killed', () => processesWith(marker) === 0);
    expect(existsSync(flag)).toBe(false);
  });

  it('aborts with TRANSPORT_ABORTED', async () => {
    const ac = new AbortController();
    const started = join(dir, 'abort-started');
    void untilExists(started).then(() => ac.abort());
    await expect(t.exec('local', `touch ${started}; sleep 300`, { ...opts, signal: ac.signal })).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
  });
});

describe('local copies', () => {
  it('upload and download copy via a temp name with sha256 and mode', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    writeFileSync(join(dir, 'src'), data);
    const r = await t.upload('local', join(dir, 'src'), join(dir, 'dst'), { mode: 0o640, sudo: false });
    expect(r).toMatchObject({ sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length });
    expect(readFileSync(join(dir, 'dst')).equals(data)).toBe(true);
    expect(statSync(join(dir, 'dst')).mode & 0o777).toBe(0o640);
    await t.download('local', join(dir, 'dst'), join(dir, 'back'), { sudo: false });
    expect(readFileSync(join(dir, 'back')).equals(data)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('kubedr'))).toEqual([]);
  });
});
