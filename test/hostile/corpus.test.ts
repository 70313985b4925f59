// The hostile-input corpus (test/fixtures/hostile, written by its generate.py): inventories,
// runbooks, params, ssh configs, backup dirs and special files with injection payloads, control
// characters, huge values, path traversal, YAML bombs, duplicate keys, wrong types. Each one must
// be refused clearly (exit 2, a stable code, file:line:col or the flag or the file, a fix, no
// stack trace, nothing executed) or accepted and proven harmless (the value comes back exactly,
// no marker file appears). Prints the counts; fails on any unclear case.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** refuse: exit 2, clear. harmless: accepted (exit 0), value intact. inert: any outcome, nothing runs, errors coded with a fix. */
interface Case { id: string; argv: string[]; expect: 'refuse' | 'harmless' | 'inert'; value?: string; make?: string }
const HERE = resolve('test/fixtures/hostile');
const cases = JSON.parse(readFileSync(join(HERE, 'cases.json'), 'utf8')) as Case[];
const PWN = '/tmp/kubedr-hostile-pwned';
const tmp = mkdtempSync(join(tmpdir(), 'kubedr-hostile-'));
const fifo = join(tmp, 'fifo.yaml');
const out = join(tmp, 'out');
const verdicts = new Map<string, string>();

function expand(a: string): string {
  if (a.startsWith('{GZ}/')) {
    const rel = a.slice(5);
    const dest = join(tmp, 'gz', rel);
    if (!existsSync(dest)) {
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, gunzipSync(readFileSync(join(HERE, `${rel}.gz`))));
    }
    return dest;
  }
  return a.replaceAll('{HERE}', HERE).replaceAll('{FIFO}', fifo).replaceAll('{HUGE}', 'x'.repeat(2_000_000));
}

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const o: string[] = [];
  const e: string[] = [];
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (o.push(String(s)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (e.push(String(s)), true));
  process.exitCode = undefined;
  try {
    const code = await main(argv);
    return { code, stdout: o.join(''), stderr: e.join('') };
  } finally {
    so.mockRestore();
    se.mockRestore();
    process.exitCode = undefined;
  }
}

/** Why a refusal is not clear, or undefined when it is. */
function unclearRefusal(r: { code: number; stderr: string }, argv: string[]): string | undefined {
  if (r.code !== 2) return `exit ${r.code}, not 2`;
  if (/internal error|\n\s+at \S+ \(/.test(r.stderr)) return 'a stack trace / internal error';
  if (!/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/.test(r.stderr)) return 'no stable error code';
  const files = argv.filter((a) => a.includes('/'));
  const where = /:\d+:\d+/.test(r.stderr) || /(^|\s|`)--?[a-z][a-z-]*\b/.test(r.stderr) || files.some((f) => r.stderr.includes(f));
  if (!where) return 'names neither file:line:col, nor the flag, nor the file';
  if (!/fix:/.test(r.stderr)) return 'no fix';
  return undefined;
}

beforeAll(() => {
  rmSync(PWN, { force: true });
  execFileSync('mkfifo', [fifo]);
  process.env['KUBEDR_STATE_DIR'] = join(tmp, 'state');
  process.env['KUBEDR_HOSTILE_OUT'] = out;
});
afterAll(() => {
  // A reader stuck on the FIFO is released by a writer opening it.
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // no reader waiting
  }
  delete process.env['KUBEDR_STATE_DIR'];
  delete process.env['KUBEDR_HOSTILE_OUT'];
  rmSync(tmp, { recursive: true, force: true });
});

describe('hostile-input corpus', () => {
  it('has at least 150 inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    verdicts.set(c.id, 'unclear: did not finish');
    rmSync(out, { force: true });
    const argv = c.argv.map(expand);
    const r = await runCli(argv);
    let why: string | undefined;
    if (existsSync(PWN)) why = 'the injection ran (marker file created)';
    else if (c.expect === 'refuse') why = unclearRefusal(r, argv);
    else if (c.expect === 'inert') why = r.code === 0 ? undefined : r.code === 1 && /internal error/.test(r.stderr) ? 'crashed' : /\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/.test(r.stderr) && /fix:/.test(r.stderr) ? undefined : 'an error without a code or a fix';
    else if (r.code !== 0) why = `harmless input refused or failed: exit ${r.code}: ${r.stderr.slice(0, 300)}`;
    else if (c.value !== undefined && readFileSync(out, 'utf8') !== c.value) why = 'the value did not come back exactly';
    verdicts.set(c.id, why === undefined ? 'clear' : `unclear: ${why}\n      ${r.stderr.split('\n').slice(0, 3).join('\n      ')}`);
  });

  it('every input is clear (refused clearly or proven harmless)', () => {
    const unclear = [...verdicts].filter(([, v]) => v !== 'clear');
    const clear = verdicts.size - unclear.length;
    process.stdout.write(`hostile corpus: ${cases.length} inputs, ${clear} clear, ${unclear.length} unclear\n${unclear.map(([id, v]) => `  ${id}: ${v}`).join('\n')}\n`);
    expect(unclear.map(([id]) => id)).toEqual([]);
  });
});
