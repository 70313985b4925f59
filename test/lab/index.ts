// Public surface of the local lab for tests, benchmarks and the demo.
export { startLab, sweepOrphans, type LabOptions } from './lab.js';
export type { EtcdManifestFlags } from './manifests.js';
export { apiserverReady, makeLab, waitClusterUp, type Lab } from './handle.js';
export type { LabNode, LabNodeDirs, LabRole } from './node-start.js';
export type { LabInfo } from './inventory.js';
export { seedKeys, writeJunk, changeHostKey, takeSnapshot, stopPod, breakQuorum, wipeAll, seedValue, DAMAGED_DIR, type SeedSet, type Snapshot, type Damage } from './scenarios.js';
export { labMembers, verifyCluster, verifyRestored, type ClusterExpectations, type ExpectedMember } from './verify.js';
export { etcdMemberName } from './inventory.js';
export { findLeftovers, listLabs, teardown } from './state.js';
// useLab (vitest hooks) lives in ./vitest.js so that importing the lab outside vitest stays safe.
export { loseFiles, loseQuorumWithManifests, wipeAllWithManifests, wipeNode, loseEtcdPki, loseSystemdMembers, putBack, takenCopy, type FileDamage, type Loss } from './disk-loss.js';
