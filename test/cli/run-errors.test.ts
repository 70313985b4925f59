// Exit codes as documented: an unknown run id is bad input (2) that says "no such run" and
// points at `kubedr runs`; a corrupt journal is bad input (2), not a failed run (1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJournal } from '../../src/journal/index.js';
import { cliHere } from '../e2e/support.js';

const state = mkdtempSync(join(tmpdir(), 'kubedr-runerr-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe('unknown runs and damaged journals', () => {
  it.each([['resume'], ['rollback'], ['audit']])('kubedr %s <unknown id>: exit 2, "no such run", points at kubedr runs', async (cmd) => {
    const r = await cliHere([cmd, '20990101T000000Z-abcdef', '--state-dir', state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such run: 20990101T000000Z-abcdef');
    expect(r.stderr).toContain('kubedr runs');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a corrupt journal line is bad input: JOURNAL_CORRUPT with its file:line, exit 2', () => {
    expect(() => parseJournal('{"r":"run-start"}\n{not json\n', 'j.jsonl')).toThrow(expect.objectContaining({ code: 'JOURNAL_CORRUPT', exitCode: 2, message: expect.stringContaining('j.jsonl:2') }) as Error);
  });
});
