// Public surface of etcd snapshot inspection: pure TypeScript, no etcd binary needed.
export { bufferSource, openFileSource, type ByteSource } from './byte-source.js';
export { diffKeyspaces, type ResourceDiff, type SnapshotDiff } from './diff.js';
export { SnapshotError, type SnapshotErrorCode } from './errors.js';
export { getFromSource, type SnapshotValue } from './get.js';
export { inspectSource, type SnapshotInspection } from './inspect.js';
export { hasIntegrityTrailer, type IntegrityResult, type IntegrityVerdict } from './integrity.js';
export type { Keyspace, LiveKey } from './keyspace.js';
export { valueDigest } from './keyspace.js';
export { decodeKubeValue, type DecodedValue, type KubeObjectSummary } from './kube-value.js';
export { readLiveKeys, type LiveKeysResult } from './live-keys.js';
export type { ReadOptions } from './read.js';
export { renderDiff, renderInspection, renderValue } from './render.js';
export { extractResource } from './resource.js';
