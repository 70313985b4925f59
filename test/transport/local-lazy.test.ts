// zx costs ~0.6 s of start-up on a loaded machine; it must load with the first local step, not
// when the CLI's modules are imported (bench/README.md, fan-out figures).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
// An ESM resolve hook that fails any import of zx, registered after tsx.
const hook = `data:text/javascript,${encodeURIComponent('import{register}from"node:module";register("data:text/javascript,"+encodeURIComponent("export async function resolve(s,c,n){if(s===\\"zx\\")throw new Error(\\"zx imported\\");return n(s,c)}"))')}`;

async function importWithoutZx(code: string): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', hook, '--input-type=module', '-e', code], { cwd: root, timeout: 60_000 });
    return { ok: true, out: r.stdout + r.stderr };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
  }
}

describe('local transport start-up', () => {
  it('importing every CLI command does not load zx', async () => {
    const r = await importWithoutZx(`await import('./src/cli/commands/index.ts'); const { createLocalTransport } = await import('./src/transport/index.ts'); createLocalTransport(); console.log('loaded')`);
    expect(r.out).toContain('loaded');
    expect(r.ok).toBe(true);
  });

  it('the first local exec loads it (the hook does catch zx)', async () => {
    const r = await importWithoutZx(`const { createLocalTransport } = await import('./src/transport/index.ts'); await createLocalTransport().exec('local', 'true', { timeoutMs: 5000, sudo: false })`);
    expect(r.ok).toBe(false);
    expect(r.out).toContain('zx imported');
  });
});
