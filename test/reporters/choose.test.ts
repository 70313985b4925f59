import { describe, expect, it } from 'vitest';
import { chooseReporter, isCi, pickReporterKind } from '../../src/reporters/choose.js';

const outline = { phases: [] };

describe('pickReporterKind', () => {
  it.each([
    [{ output: 'json' as const, isTTY: true, ci: false, outline }, 'json'],
    [{ output: 'json' as const, isTTY: false, ci: true }, 'json'],
    [{ isTTY: true, ci: false, outline }, 'listr'],
    [{ output: 'text' as const, isTTY: true, ci: true, outline }, 'plain'],
    [{ isTTY: false, ci: false, outline }, 'plain'],
    [{ isTTY: true, ci: false }, 'plain'],
    [{ isTTY: true, ci: false, outline, prompts: true }, 'plain'],
  ])('%j → %s', (opts, kind) => {
    expect(pickReporterKind(opts)).toBe(kind);
  });

  it('builds the chosen reporter', async () => {
    const out: string[] = [];
    const r = chooseReporter({ isTTY: false, ci: true, write: (s) => out.push(s), secrets: ['secret-value'] });
    expect(r.kind).toBe('plain');
    r.onEvent({ kind: 'phase-start', phase: 'has secret-value', at: 't' });
    await r.close();
    expect(out).toEqual(['phase has [REDACTED]\n']);
  });
});

describe('isCi', () => {
  it.each([[{ CI: 'true' }, true], [{ CI: '1' }, true], [{ CI: 'false' }, false], [{ CI: '0' }, false], [{ CI: '' }, false], [{}, false]])('%j → %s', (env, want) => {
    expect(isCi(env)).toBe(want);
  });
});
