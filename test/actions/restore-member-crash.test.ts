// restoreMember and its undo after kubedr was killed between two of the script's moves (a
// SIGKILL of kubedr ends the node's script wherever it is): run by a real sh on real dirs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandDrAction } from '../../src/actions/index.js';

let root = '';
let stage = '';
let data = '';
let old = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kubedr-restore-crash-'));
  stage = join(root, 'stage', 'r1');
  data = join(root, 'etcd');
  old = `${data}.kubedr-before-r1`;
  mkdirSync(stage, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A member dir holding `which` (old / new). */
function member(dir: string, which: string): void {
  mkdirSync(join(dir, 'member'), { recursive: true });
  writeFileSync(join(dir, 'member', 'which'), which);
}
const which = (dir: string): string => readFileSync(join(dir, 'member', 'which'), 'utf8');

function run(part: 'action' | 'undo'): { code: number | null; out: string } {
  const x = expandDrAction('restoreMember', { sha256: 'abc', stageDir: join(root, 'stage'), dataDir: data });
  const a = part === 'action' ? x.action : x.undo;
  if (a?.kind !== 'shell') throw new Error('not a shell action');
  const r = spawnSync('sh', ['-c', String(a.script).replaceAll('{{ run.id }}', 'r1')], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('restoreMember killed mid-swap', () => {
  it('killed after the swap, before its marker: the re-run sees the restored dir in place and restores nothing again', () => {
    member(old, 'old');
    member(data, 'new');
    writeFileSync(join(stage, 'swapping'), '');
    const r = run('action');
    expect(r, r.out).toMatchObject({ code: 0 });
    expect(r.out).toContain('the swap had finished');
    expect([which(data), which(old)]).toEqual(['new', 'old']);
    expect(existsSync(join(stage, 'swapped'))).toBe(true);
  });

  it('undo killed between moving the old dir aside and the swap: the old dir is back, the restored one set aside', () => {
    member(old, 'old');
    member(join(stage, 'restored'), 'new');
    const r = run('undo');
    expect(r, r.out).toMatchObject({ code: 0 });
    expect(which(data)).toBe('old');
    expect(existsSync(old)).toBe(false);
    const undone = readdirSync(stage).filter((f) => f.startsWith('restored.undone.'));
    expect(undone).toHaveLength(1);
    expect(which(join(stage, undone[0] ?? ''))).toBe('new');
  });

  it('undo after a swap whose marker was never written: the restored dir set aside, the old one back', () => {
    member(old, 'old');
    member(data, 'new');
    writeFileSync(join(stage, 'swapping'), '');
    const r = run('undo');
    expect(r, r.out).toMatchObject({ code: 0 });
    expect(which(data)).toBe('old');
    const undone = readdirSync(stage).filter((f) => f.startsWith('restored.undone.'));
    expect(undone.map((u) => which(join(stage, u)))).toEqual(['new']);
    expect(readdirSync(stage).sort()).toEqual([...undone, 'swapping.undone'].sort());
  });
});
