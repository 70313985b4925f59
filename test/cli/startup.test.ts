// Start-up budget (bench/startup.bench.ts measures it): the modules every invocation loads must
// not reach the heavy dependencies. Checked on the static import graph of the sources, so a new
// top-level import of ssh2 in a command file fails here, not only in a benchmark.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isShortCommand } from '../../src/cli/startup.js';

const SRC = resolve(import.meta.dirname, '../../src');
const HEAVY = ['ssh2', 'zx', 'listr2', 'ajv', 'ajv-formats'];

/** Every module reachable through static value imports (not `import type`, not `import()`). */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? '';
      if (spec.startsWith('.')) visit(join(dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
    }
  };
  visit(entry);
  return { files, packages };
}

const rel = (files: Set<string>): string[] => [...files].map((f) => f.slice(SRC.length + 1));

describe('CLI start-up imports', () => {
  it('help and argument parsing load commander and the command files only', () => {
    const { files, packages } = staticClosure(join(SRC, 'cli/main.ts'));
    expect([...packages]).toEqual(['commander']);
    expect(rel(files).filter((f) => f.startsWith('app/') || f.startsWith('transport/') || f.startsWith('engine/'))).toEqual([]);
  });

  it('kubedr plan loads no SSH, shell, TTY renderer or ajv compiler', () => {
    const { packages } = staticClosure(join(SRC, 'app/plan.ts'));
    expect([...packages].filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  // plan and validate also read ~/.ssh/config for every node (src/cli/ssh-flags.ts imports these
  // when they run): through the transport's index they loaded ssh2, ~80 ms of CPU per start.
  it.each(['app/endpoints.ts', 'app/validate.ts', 'transport/connect.ts'])('%s does not load ssh2 when it is imported', (entry) => {
    const { packages } = staticClosure(join(SRC, entry));
    expect([...packages].filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('choosing a reporter does not load listr2 (it is imported when a tree is drawn)', () => {
    const { packages } = staticClosure(join(SRC, 'reporters/choose.ts'));
    expect([...packages]).not.toContain('listr2');
  });
});

describe('isShortCommand', () => {
  it.each([[[], true], [['plan', '-r', 'x'], true], [['--help'], true], [['validate'], true], [['run'], false], [['snapshot', 'inspect'], false], [['drill'], false]])('%j → %s', (argv, want) => {
    expect(isShortCommand(argv)).toBe(want);
  });
});
