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
    const kept = prepareRunbook(text);
    expect(kept).toBeDefined();
    const ready = readRunbook(text, source);
    expect(ready.runbook).toBe(kept);
    expect(ready.runbook).toEqual(fresh.runbook);
    expect(ready.runbook?.source).toBe(source);
    expect(ready.problems).toEqual(fresh.problems);
    expect(ready.stepPaths).toEqual(fresh.stepPaths);
    // Keyed by the model's own steps (the planner looks positions up by step).
    const steps = ready.runbook?.phases.flatMap((ph) => ph.steps) ?? [];
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(ready.stepPaths.get(step), step.id).toBeDefined();
    expect(JSON.stringify(ready.runbook)).not.toContain('prepared runbook');
    // Positions asked for later (errors about params, steps) come from the real name too.
    const paths = [...fresh.stepPaths.values()];
    for (const path of [[], ['params'], ...paths.slice(0, 3), ...paths.slice(-2).map((p) => [...p, 'id'])]) {
      expect(ready.locate(path)).toEqual(fresh.locate(path));
      expect(ready.locate(path, { key: true })).toEqual(fresh.locate(path, { key: true }));
    }
  });

  it('is used once, and only for the very same text', () => {
    const text = readFileSync(join(dir, 'ha-restore.yaml'), 'utf8');
    const kept = prepareRunbook(text);
    const first = readRunbook(text, 'a.yaml');
    expect(first.runbook).toBe(kept);
    const second = readRunbook(text, 'b.yaml');
    expect(second.runbook).not.toBe(first.runbook);
    expect(first.runbook?.source).toBe('a.yaml');
    expect(second.runbook?.source).toBe('b.yaml');
    expect(second.runbook?.phases[0]?.steps[0]?.pos?.file).toBe('b.yaml');
    expect(prepareRunbook(text)).toBeDefined();
    expect(readRunbook(`${text}\n`, 'c.yaml').runbook?.phases[0]?.steps[0]?.pos?.file).toBe('c.yaml');
    expect(readRunbook(text, 'd.yaml').runbook?.phases[0]?.steps[0]?.pos?.file).toBe('d.yaml');
  });

  it('keeps no runbook that has problems', () => {
    expect(prepareRunbook('apiVersion: kubedr.io/v1alpha1\nkind: Runbook\n')).toBeUndefined();
    expect(readRunbook('apiVersion: kubedr.io/v1alpha1\nkind: Runbook\n', 'x.yaml').problems.length).toBeGreaterThan(0);
  });

  it('keeps no runbook whose model holds the source name inside a longer text (it could not be set)', () => {
    const text = (command: string) => `apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: t }\nphases:\n  - name: main\n    steps:\n      - { id: a, local: ${command} }\n`;
    expect(prepareRunbook(text('date'))).toBeDefined();
    expect(readRunbook(text('date'), 'x.yaml').runbook?.source).toBe('x.yaml');
    expect(prepareRunbook(text('"echo \\0prepared runbook\\0"'))).toBeUndefined();
    expect(readRunbook(text('"echo \\0prepared runbook\\0"'), 'y.yaml').runbook?.phases[0]?.steps[0]?.action).toMatchObject({ command: 'echo \u0000prepared runbook\u0000' });
  });
});
