// Use-cases behind `kubedr snapshot inspect|get|diff`: open the file(s), run the pure readers,
// always close. The CLI and the tests call these; nothing here prints.
import {
  diffKeyspaces, getFromSource, inspectSource, openFileSource, readLiveKeys, SnapshotError,
  type ByteSource, type IntegrityResult, type ReadOptions, type SnapshotDiff, type SnapshotInspection, type SnapshotValue,
} from '../etcd/snapshot/index.js';

export type SnapshotOptions = ReadOptions;

export interface SnapshotDiffReport extends SnapshotDiff {
  a: { file: string; integrity: IntegrityResult; liveKeys: number };
  b: { file: string; integrity: IntegrityResult; liveKeys: number };
}

/** Status numbers, integrity verdict and live keys per resource type of one snapshot file. */
export function inspectSnapshot(file: string, opts: SnapshotOptions = {}): SnapshotInspection & { file: string } {
  return withSource(file, (source) => ({ file, ...inspectSource(source, opts) }));
}

/** The latest live value of `key` in a snapshot file. */
export function getSnapshotValue(file: string, key: string, opts: SnapshotOptions = {}): SnapshotValue {
  return withSource(file, (source) => getFromSource(source, key, opts));
}

/** Keys added, removed and changed per resource type from snapshot `a` to snapshot `b`. */
export function diffSnapshots(a: string, b: string, opts: SnapshotOptions = {}): SnapshotDiffReport {
  const before = withSource(a, (source) => readLiveKeys(source, { ...opts, digests: true }));
  const after = withSource(b, (source) => readLiveKeys(source, { ...opts, digests: true }));
  return {
    a: { file: a, integrity: before.integrity, liveKeys: before.keyspace.live.size },
    b: { file: b, integrity: after.integrity, liveKeys: after.keyspace.live.size },
    ...diffKeyspaces(before.keyspace.live, after.keyspace.live),
  };
}

/** JSON form of a value: bytes as base64 plus the decoded view. */
export function valueToJson(v: SnapshotValue): Record<string, unknown> {
  const { value, ...rest } = v;
  return { ...rest, size: value.length, base64: value.toString('base64') };
}

/** Runs `use` on the opened file, always closes it, and names the file in any snapshot error. */
function withSource<T>(file: string, use: (source: ByteSource) => T): T {
  const source = openFileSource(file);
  try {
    return use(source);
  } catch (err) {
    if (err instanceof SnapshotError && !err.message.startsWith(file)) {
      throw new SnapshotError(err.code, `${file}: ${err.message}`, { cause: err, ...(err.hint === undefined ? {} : { hint: err.hint }) });
    }
    throw err;
  } finally {
    source.close();
  }
}
