// A test run that dies without its afterAll (kill -9, OOM) must not leave a lab running: each
// node's init reads a pipe from its owner and ends at EOF; the files go with the next sweep.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { findLeftovers, sweepOrphans } from './index.js';
import { isSameProcess, waitFor } from './proc.js';

it('killing the owning process with SIGKILL ends every node; sweepOrphans removes the rest', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'owned-lab.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`owned-lab exited early (${code})`)));
  });
  const { root, pids } = JSON.parse(line) as { root: string; pids: number[] };
  expect(pids.every((p) => isSameProcess(p, undefined))).toBe(true);

  child.kill('SIGKILL');
  await waitFor('the lab processes to end with their owner', 10_000, async () => (pids.some((p) => isSameProcess(p, undefined)) ? undefined : true), 50);
  await waitFor('only the lab directory to remain', 5_000, async () => {
    const left = findLeftovers(root);
    return left.length === 1 && left[0]?.startsWith('directory') ? true : undefined;
  });

  expect(await sweepOrphans()).toContain(root.split('kubedr-lab-')[1]);
  expect(existsSync(root)).toBe(false);
  expect(findLeftovers(root)).toEqual([]);
});
