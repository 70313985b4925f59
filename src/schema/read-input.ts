// Reads an input file (inventory, runbook, params file) as text, refusing what is not a regular
// file of sane size before reading a byte: a FIFO would block forever, /dev/zero never ends, a
// directory cannot be parsed. Opened non-blocking, then checked with fstat on the same handle.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { KubedrError } from '../errors/index.js';

/** Larger inputs are refused: no real inventory or runbook comes near it. @default 16 MiB */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export interface InputFileKind {
  /** `inventory`, `runbook`… used in messages and codes (INVENTORY_NOT_A_FILE). */
  what: string;
  /** The flag that named the file, e.g. `-i/--inventory`. */
  flag: string;
}

export async function readInputText(path: string, kind: InputFileKind): Promise<string> {
  const code = kind.what.toUpperCase();
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new KubedrError(`${code}_UNREADABLE`, `cannot read ${kind.what} ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { hint: `check the path given with ${kind.flag}`, exitCode: 2, cause });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      const type = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw new KubedrError(`${code}_NOT_A_FILE`, `${kind.what} ${path} is ${type}, not a regular file`, { hint: `give a YAML file with ${kind.flag}`, exitCode: 2 });
    }
    if (st.size > MAX_INPUT_BYTES) {
      throw new KubedrError(`${code}_TOO_LARGE`, `${kind.what} ${path} is ${st.size} bytes, over the limit of ${MAX_INPUT_BYTES}`, { hint: `check that ${kind.flag} names the right file`, exitCode: 2 });
    }
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
