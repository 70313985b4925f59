// Public surface of the checkpoint journal and the run lock.
export type { JournalRecord, JournalRecordKind, JournalSink } from './records.js';
export { JournalWriter } from './writer.js';
export { parseJournal, readJournal, type ParsedJournal } from './read.js';
export { replayJournal, type JournalState } from './replay.js';
export {
  acquireRunLock,
  describeHolder,
  isPidAlive,
  lockIdFor,
  readLock,
  releaseRunLock,
  unlockRun,
  type AcquireOptions,
  type LockHolder,
  type RunLock,
  type UnlockOptions,
} from './lock.js';
