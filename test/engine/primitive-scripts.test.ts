// The node-side scripts of placeManifest, run by a real sh: what the engine parses from them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NOT_HERE, readFirstScript } from '../../src/engine/primitive-scripts.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-prim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readFirstScript', () => {
  it('prints the first readable path, then its exact bytes (trailing newlines kept)', () => {
    const a = join(dir, 'a.yaml');
    writeFileSync(a, 'kind: Pod\n\n');
    expect(execFileSync('sh', ['-c', readFirstScript([join(dir, 'none.yaml'), a])], { encoding: 'utf8' })).toBe(`${a}\nkind: Pod\n\n`);
  });

  it('skips a path that tests as a file but cannot be read (a manifest renamed away between the test and the read)', () => {
    // /proc/self/mem is a regular file whose read fails: the same moment as a survivor moving
    // its manifest into its stash just after `[ -f ]`. The old script printed that path with no
    // content and exit 0, and the caller rebuilt an empty manifest.
    const b = join(dir, 'b.yaml');
    writeFileSync(b, 'kind: Pod\n');
    expect(execFileSync('sh', ['-c', readFirstScript(['/proc/self/mem', b])], { encoding: 'utf8' })).toBe(`${b}\nkind: Pod\n`);
  });

  it('exits "not here" when no path can be read', () => {
    const r = spawnSync('sh', ['-c', readFirstScript(['/proc/self/mem', join(dir, 'none.yaml')])], { encoding: 'utf8' });
    expect(r.status).toBe(NOT_HERE);
    expect(r.stdout).toBe('');
  });
});
