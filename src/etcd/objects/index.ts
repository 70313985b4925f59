// Public surface of object-level recovery: selections, the streamed snapshot read, the live
// read and diff, guarded etcd transactions, warnings and renderings. Pure; src/app runs it.
export { ObjectsError, type ObjectsErrorCode } from './errors.js';
export { parseObjectKey, storagePrefix, REGISTRY, type ObjectKey } from './key.js';
export { parseSelection, globRegExp, type Selection, type SelectionInput } from './selector.js';
export { readSelectedObjects, type SelectedObjects, type StoredObject } from './snapshot-read.js';
export { objectInfo, type ObjectInfo, type ObjectEncoding, type OwnerRef } from './meta.js';
export { objectBodyFields, type RawFields } from './raw-fields.js';
export { etcdctlBase, liveReadScript, parseLiveRead, type LiveRead } from './live.js';
export { diffObjects, type DiffEntry, type DiffKind, type ObjectsDiff } from './diff.js';
export { planRestore, type PlannedWrite, type RestoreAction, type RestorePlan } from './restore-plan.js';
export { batchWrites, goQuote, parseTxnResults, txnScript, txnStdin, txnText, type Guard, type GuardedWrite, type TxnResult, type Write } from './txn.js';
export { localWarnings, ownerCandidates, ownerWarnings, type OwnerNeed, type RestoreWarning, type WarningCode } from './warnings.js';
export { renderList, renderObjectsDiff, renderRestorePreview, type ListedObject } from './render.js';
