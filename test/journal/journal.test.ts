import { appendFile, mkdtemp, open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JournalWriter, parseJournal, readJournal, replayJournal, type JournalRecord } from '../../src/journal/index.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const at = '2026-01-01T00:00:00Z';
const start: JournalRecord = { r: 'run-start', runId: 'r', mode: 'run', planHash: 'p', runbookHash: 'rb', inventoryHash: 'i', params: {}, secretParams: [], at };

describe('journal', () => {
  it('appends records that read back in order, group-committing concurrent appends', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubedr-journal-'));
    const path = join(dir, 'journal.jsonl');
    const w = await JournalWriter.open(path);
    await w.append(start);
    await Promise.all(Array.from({ length: 50 }, (_, i) => w.append({ r: 'task-start', key: `s@n${i}`, attempt: 1, at })));
    await w.close();
    const { records, torn } = await readJournal(path);
    expect(torn).toBe(false);
    expect(records).toHaveLength(51);
    expect(records.slice(1).map((r) => (r.r === 'task-start' ? r.key : ''))).toEqual(Array.from({ length: 50 }, (_, i) => `s@n${i}`));
    expect(w.fsyncs).toBeLessThan(51);
  });

  it('no append resolves before its bytes were written and a datasync of the journal followed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubedr-journal-'));
    const path = join(dir, 'journal.jsonl');
    // Spy on the real FileHandle methods: what was made durable, and when each append resolved.
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const durable: number[] = [];
    const sync = async function (this: FileHandle, orig: () => Promise<void>): Promise<void> {
      await orig.call(this);
      durable.push((await this.stat()).size);
    };
    const origDatasync = proto.datasync;
    const origSync = proto.sync;
    const spies = [
      vi.spyOn(proto, 'datasync').mockImplementation(function (this: FileHandle) {
        return sync.call(this, origDatasync);
      }),
      vi.spyOn(proto, 'sync').mockImplementation(function (this: FileHandle) {
        return sync.call(this, origSync);
      }),
    ];
    try {
      const w = await JournalWriter.open(path);
      const seen: boolean[] = [];
      const one = async (r: JournalRecord): Promise<void> => {
        await w.append(r);
        const syncedSoFar = Math.max(0, ...durable);
        // Where this record's line ends in the file: a sync must have covered that offset.
        const line = `${JSON.stringify(r)}\n`;
        const text = await readFile(path, 'utf8');
        seen.push(syncedSoFar >= Buffer.byteLength(text.slice(0, text.indexOf(line) + line.length)));
      };
      await one(start);
      await Promise.all(Array.from({ length: 20 }, (_, i) => one({ r: 'task-start', key: `s@n${i}`, attempt: 1, at })));
      await w.close();
      expect(seen).toEqual(Array.from({ length: 21 }, () => true));
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
  });

  it('tolerates a torn last line, and cuts it off before appending again', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubedr-journal-'));
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, `${JSON.stringify(start)}\n{"r":"task-st`);
    expect((await readJournal(path)).torn).toBe(true);
    const w = await JournalWriter.open(path);
    await w.append({ r: 'task-start', key: 'a@n1', attempt: 1, at });
    await w.close();
    const { records, torn } = parseJournal(await readFile(path, 'utf8'), path);
    expect(torn).toBe(false);
    expect(records.map((r) => r.r)).toEqual(['run-start', 'task-start']);
  });

  it('refuses a damaged line in the middle, naming file and line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubedr-journal-'));
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, `${JSON.stringify(start)}\nnot json\n`);
    await appendFile(path, `${JSON.stringify(start)}\n`);
    await expect(readJournal(path)).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', message: expect.stringContaining(`${path}:2`) });
    await expect(readJournal(join(dir, 'nope.jsonl'))).rejects.toMatchObject({ code: 'JOURNAL_NOT_FOUND', exitCode: 2 });
  });
});

describe('replayJournal', () => {
  it('derives completed, in-flight, captures and the undo stack', () => {
    const s = replayJournal([
      start,
      { r: 'task-start', key: 'a@n1', attempt: 1, at },
      { r: 'task-end', key: 'a@n1', outcome: 'done', durationMs: 1, pushUndo: true, at },
      { r: 'task-start', key: 'cap@n1', attempt: 1, at },
      { r: 'task-end', key: 'cap@n1', outcome: 'done', durationMs: 1, capture: 'v3.4', at },
      { r: 'task-start', key: 'tok@n1', attempt: 1, at },
      { r: 'task-end', key: 'tok@n1', outcome: 'done', durationMs: 1, captureWithheld: true, at },
      { r: 'task-start', key: 'b@n1', attempt: 1, at },
      { r: 'task-end', key: 'b@n1', outcome: 'failed', exitCode: 1, durationMs: 1, at },
      { r: 'task-start', key: 'b@n1', attempt: 2, at },
      { r: 'task-start', key: 'c@n2', attempt: 1, at },
      { r: 'task-end', key: 'c@n2', outcome: 'done', durationMs: 1, pushUndo: true, at },
    ]);
    expect([...s.completed]).toEqual(['a@n1', 'cap@n1', 'tok@n1', 'c@n2']);
    expect([...s.inFlight]).toEqual(['b@n1']);
    expect(s.captures.get('cap@n1')).toBe('v3.4');
    expect([...s.withheld]).toEqual(['tok@n1']);
    expect(s.undoStack).toEqual(['a@n1', 'c@n2']);
  });

  it('pops undone entries and remembers undos in flight', () => {
    const s = replayJournal([
      start,
      { r: 'task-end', key: 'a@n1', outcome: 'done', durationMs: 1, pushUndo: true, at },
      { r: 'task-end', key: 'b@n1', outcome: 'done', durationMs: 1, pushUndo: true, at },
      { r: 'task-end', key: 'c@n1', outcome: 'done', durationMs: 1, pushUndo: true, at },
      { r: 'rollback-start', reason: 'x', at },
      { r: 'undo-start', key: 'c@n1', at },
      { r: 'undo-end', key: 'c@n1', outcome: 'done', durationMs: 1, at },
      { r: 'undo-start', key: 'b@n1', at },
      { r: 'undo-end', key: 'b@n1', outcome: 'failed', durationMs: 1, at },
      { r: 'undo-start', key: 'b@n1', at },
    ]);
    expect(s.undoStack).toEqual(['a@n1', 'b@n1']);
    expect([...s.undoInFlight]).toEqual(['b@n1']);
    expect(s.rollbackStarted).toBe(true);
  });
});
