// What the engine needs from a way of reaching nodes. Implemented over ssh2 (src/transport),
// locally with zx, and in memory for tests and benchmarks.

export interface ExecOptions {
  /** Bytes written to the command's stdin (e.g. a sudo password); never logged. */
  stdin?: string;
  timeoutMs: number;
  sudo: boolean;
  signal?: AbortSignal;
  /** Streamed output, for progress and size-capped capture. */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface ExecResult {
  exitCode: number;
  /** Set when the process died of a signal on the node. */
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface TransferResult {
  sha256: string;
  bytes: number;
  durationMs: number;
}

/** Raised (as `cause` of an error with code TRANSPORT_*) for the three non-command outcomes. */
export type TransportFailure = 'unreachable' | 'connection-lost' | 'timeout' | 'host-key';

/** Bytes moved so far of a transfer (and its size when known); called often, must be cheap. */
export type OnTransferProgress = (bytes: number, totalBytes: number | undefined) => void;

export interface Transport {
  exec(node: string, command: string, opts: ExecOptions): Promise<ExecResult>;
  /** Streams a local file to `remotePath` via a temp name + rename; sha256 checked on the node. */
  upload(node: string, localPath: string, remotePath: string, opts: { mode?: number; sudo: boolean; signal?: AbortSignal; onProgress?: OnTransferProgress }): Promise<TransferResult>;
  download(node: string, remotePath: string, localPath: string, opts: { sudo: boolean; signal?: AbortSignal; onProgress?: OnTransferProgress }): Promise<TransferResult>;
  close(): Promise<void>;
}
