// Reporters are hook objects over the RunEvent stream (zx LogEntry, vitest Reporter style).
import type { RunEvent } from '../model/index.js';

export interface Reporter {
  onEvent(event: RunEvent): void;
  /** Flushes buffered output and releases the terminal; idempotent. */
  close(): Promise<void>;
}

/** Where a reporter writes; process.stdout.write in the CLI, an array in tests. */
export type Write = (text: string) => void;
