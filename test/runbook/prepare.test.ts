// prepareRunbook (the start-up snapshot reads the built-in runbooks ahead): a prepared text read
// under any name gives the very model, problems, step paths and positions a fresh read gives.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareRunbook, readRunbook } from '../../src/runbook/index.js';

const dir = join(import.meta.dirname, '..', '..', 'runbooks');
const builtins = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('prepared runbooks', () => {
  it.each(builtins)('%s: read under its real name, the same as a fresh read', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const source = `/home/ops/${file}`;
    const fresh = readRunbook(text, source);
    expect(prepareRunbook(text)).toBe(true);
    const ready = readRunbook(text, source);
    expect(ready.runbook).not.toBe(fresh.runbook);
    expect(ready.runbook).toEqual(fresh.runbook);
    expect(ready.runbook?.source).toBe(source);
    expect(ready.problems).toEqual(fresh.problems);
    expect(ready.stepPaths).toEqual(fresh.stepPaths);
    expect(JSON.stringify(ready.runbook)).not.toContain('prepared runbook');
    // Positions asked for later (errors about params, steps) come from the real name too.
    const steps = [...fresh.stepPaths.values()];
    for (const path of [[], ['params'], ...steps.slice(0, 3), ...steps.slice(-2).map((p) => [...p, 'id'])]) {
      expect(ready.locate(path)).toEqual(fresh.locate(path));
      expect(ready.locate(path, { key: true })).toEqual(fresh.locate(path, { key: true }));
    }
  });

  it('is used once, and only for the very same text', () => {
    const text = readFileSync(join(dir, 'ha-restore.yaml'), 'utf8');
    expect(prepareRunbook(text)).toBe(true);
    const first = readRunbook(text, 'a.yaml');
    const second = readRunbook(text, 'b.yaml');
    expect(second.runbook).not.toBe(first.runbook);
    expect(first.runbook?.source).toBe('a.yaml');
    expect(second.runbook?.source).toBe('b.yaml');
    expect(second.runbook?.phases[0]?.steps[0]?.pos?.file).toBe('b.yaml');
    expect(prepareRunbook(text)).toBe(true);
    expect(readRunbook(`${text}\n`, 'c.yaml').runbook?.phases[0]?.steps[0]?.pos?.file).toBe('c.yaml');
    expect(readRunbook(text, 'd.yaml').runbook?.phases[0]?.steps[0]?.pos?.file).toBe('d.yaml');
  });

  it('keeps no runbook that has problems', () => {
    expect(prepareRunbook('apiVersion: kubedr.io/v1alpha1\nkind: Runbook\n')).toBe(false);
    expect(readRunbook('apiVersion: kubedr.io/v1alpha1\nkind: Runbook\n', 'x.yaml').problems.length).toBeGreaterThan(0);
  });
});
