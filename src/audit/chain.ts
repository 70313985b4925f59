// The hash chain. Each line is `{...record,"hash":"<sha256 of the line without this field>"}`,
// and the next record's `prev` is the sha256 of this whole line. The self-hash lets a verifier
// name the edited line itself, not only the line after it.
import { createHash } from 'node:crypto';

export const AUDIT_FILE = 'audit.jsonl';
/** Head pointer (seq and hash of the last line): the only way to notice whole lines cut off the end. */
export const HEAD_FILE = 'audit.head';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `prev` of the first record: binds the chain to its run so a log cannot be moved to another. */
export function genesisHash(runId: string): string {
  return sha256Hex(`kubedr-audit-v1 genesis ${runId}`);
}

const SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

/** Serializes a record (without `hash`) into its final line, without the newline. */
export function sealLine(recordWithoutHash: object): string {
  const body = JSON.stringify(recordWithoutHash);
  return `${body.slice(0, -1)},"hash":"${sha256Hex(body)}"}`;
}

/** Checks a line's self-hash over its exact bytes. */
export function lineSealIsValid(line: string): boolean {
  const m = SUFFIX.exec(line);
  if (!m) return false;
  const body = `${line.slice(0, m.index)}}`;
  return sha256Hex(body) === m[1];
}

export interface HeadPointer {
  seq: number;
  hash: string;
}

/** Fixed-width so it can be overwritten in place with one pwrite. */
export function formatHead(head: HeadPointer): string {
  return `${String(head.seq).padStart(12, '0')} ${head.hash}\n`;
}

export function parseHead(text: string): HeadPointer | undefined {
  const m = /^(\d{12}) ([0-9a-f]{64})\n$/.exec(text);
  return m ? { seq: Number(m[1]), hash: m[2] ?? '' } : undefined;
}
