// Append-only, fsync'd JSONL journal. Appends are group-committed: records queued while one
// write+fsync is in flight go out together in the next one, so 1,000 parallel task-ends cost a
// handful of fsyncs, yet no append resolves before its bytes are on disk.
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { KubedrError } from '../errors/index.js';
import type { JournalRecord, JournalSink } from './records.js';

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class JournalWriter implements JournalSink {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Number of fsyncs issued (for the benchmark). */
  fsyncs = 0;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  /**
   * Opens (creating if needed) the journal for appending. A torn last line left by a crash is
   * cut off first, or the next record would be glued to it and corrupt the middle of the file.
   */
  static async open(path: string): Promise<JournalWriter> {
    const existing = await readFile(path, 'utf8').catch(() => '');
    if (existing !== '' && !existing.endsWith('\n')) {
      await truncate(path, Buffer.byteLength(existing.slice(0, existing.lastIndexOf('\n') + 1)));
    }
    const fh = await open(path, 'a', 0o600);
    return new JournalWriter(path, fh);
  }

  append(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new KubedrError('JOURNAL_CLOSED', `journal ${this.path} is closed`));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.fh.write(batch.map((p) => p.line).join(''));
        await this.fh.datasync();
        this.fsyncs++;
        for (const p of batch) p.resolve();
      } catch (cause) {
        const err = new KubedrError('JOURNAL_WRITE_FAILED', `cannot write the run journal ${this.path}`, { cause });
        for (const p of batch) p.reject(err);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.flushing) await this.flushing;
    this.closed = true;
    await this.fh.close();
  }
}
