// What the placeManifest and ensureFiles primitives may do, handed to them by actions.ts (so
// they need neither its private exec helper nor a cycle back to it).
import type { RenderedText, TaskOutcome } from '../model/index.js';

export interface ExecOutcome {
  outcome: TaskOutcome;
  exitCode?: number;
  stdout: string;
  stderr: string;
  error?: string;
  permanent: boolean;
  /** Unredacted stdout. */
  raw: string;
}

export interface PrimitiveIo {
  /** Runs on an inventory node, or with `node` = LOCAL_NODE on the operator machine. */
  exec(node: string, command: string, opts: { sudo: boolean; stdin?: string }): Promise<ExecOutcome>;
  upload(node: string, localPath: string, remotePath: string, mode: number): Promise<{ sha256: string }>;
  text(t: RenderedText): string;
  /** One line (or block) of the task's output, streamed and kept. */
  say(text: string): void;
  runId: string;
}

export interface PrimitiveResult {
  ok: boolean;
  error?: string;
}
