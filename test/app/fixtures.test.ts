// The invalid-input corpus: each file's first line lists every problem it must produce
// (`# expect: CODE line:col, …`); `# params:` and `# inventory:` lines set the other inputs.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTexts } from '../../src/app/validate.js';
import { forbidNetwork, type NetworkGuard } from '../helpers/no-network.js';

const F = 'test/fixtures';
const read = (path: string) => ({ text: readFileSync(path, 'utf8'), source: path });
const list = (kind: string) => readdirSync(`${F}/invalid/${kind}`).filter((f) => f.endsWith('.yaml')).sort();

let guard: NetworkGuard;
beforeAll(() => {
  guard = forbidNetwork();
});
afterAll(() => {
  guard.restore();
  expect(guard.attempts).toEqual([]);
});

function expectations(text: string): string[] {
  const line = /^# expect: (.*)$/m.exec(text)?.[1] ?? '';
  return line.split(',').map((s) => s.trim()).filter(Boolean).sort();
}

describe('invalid-input corpus', () => {
  it('holds at least 40 fixtures', () => {
    expect(list('runbooks').length + list('inventories').length).toBeGreaterThanOrEqual(40);
  });

  it.each(list('runbooks'))('runbooks/%s reports exactly its expected problems', (name) => {
    const path = `${F}/invalid/runbooks/${name}`;
    const text = readFileSync(path, 'utf8');
    const params = /^# params: (.*)$/m.exec(text)?.[1]?.split(' ') ?? [];
    const inventory = /^# inventory: (.*)$/m.exec(text)?.[1] ?? 'three-masters.yaml';
    const report = validateTexts(read(path), read(`${F}/inventories/${inventory}`), params);
    const got = report.problems.map((p) => `${p.code} ${p.pos ? `${p.pos.line}:${p.pos.col}` : '-'}`).sort();
    expect(got).toEqual(expectations(text));
    expect(report.problems.every((p) => !p.pos || p.pos.file === path)).toBe(true);
    expect(report.problems.every((p) => (p.hint ?? '').length > 5)).toBe(true);
  });

  it.each(list('inventories'))('inventories/%s reports exactly its expected problems', (name) => {
    const path = `${F}/invalid/inventories/${name}`;
    const text = readFileSync(path, 'utf8');
    const report = validateTexts(read(`${F}/runbooks/minimal.yaml`), read(path));
    const got = report.problems.map((p) => `${p.code} ${p.pos ? `${p.pos.line}:${p.pos.col}` : '-'}`).sort();
    expect(got).toEqual(expectations(text));
    expect(report.problems.every((p) => (p.hint ?? '').length > 5)).toBe(true);
  });

  it('an error-free fixture pair yields a plan', () => {
    const report = validateTexts(read(`${F}/runbooks/minimal.yaml`), read(`${F}/inventories/three-masters.yaml`));
    expect(report.errors).toBe(0);
    expect(report.plan?.phases[0]?.steps[0]?.tasks.map((t) => t.node)).toEqual(['cp1', 'cp2', 'cp3']);
  });
});
