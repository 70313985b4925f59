// Public surface of src/actions: the built-in DR actions by the YAML key that calls them.
// Shared file: add one line per action to DR_ACTIONS, do not reorganise.
import { checkEtcdMember } from './check-etcd-member.js';
import { checkSnapshot, snapshotStatus } from './check-snapshot.js';
import { configureMember } from './configure-member.js';
import { recordEtcdData, verifyEtcd } from './etcd-data.js';
import { configureEtcdService, startEtcdService, stopEtcdService } from './etcd-service.js';
import { createJoinToken, rejoinWorker } from './join-workers.js';
import { placeManifest } from './place-manifest.js';
import { prepareStaging } from './prepare-staging.js';
import { restartKubelet } from './restart-kubelet.js';
import { restartStaticPods } from './restart-static-pods.js';
import { restoreEtcdProbes } from './restore-etcd-probes.js';
import { restoreMember } from './restore-member.js';
import { restoreNodeFiles } from './restore-node-files.js';
import { checkSnapshotFile } from './snapshot-file.js';
import { stageSnapshot } from './stage-snapshot.js';
import { startStaticPods } from './start-static-pods.js';
import { stopStaticPods } from './stop-static-pods.js';
import { checkMemberRemoval } from './check-member-removal.js';
import { chooseSurvivor } from './choose-survivor.js';
import { forceNewCluster } from './force-new-cluster.js';
import { memberAdd } from './member-add.js';
import { memberRemove } from './member-remove.js';
import { memberStatus } from './member-status.js';
import { staleLeases } from './stale-leases.js';
import { collectNodeFiles } from './collect-node-files.js';
import { fetchBackupFile, prepareBackupDir } from './fetch-backup.js';
import { saveSnapshot } from './save-snapshot.js';
import { sealBackup, verifyBackup } from './seal-backup.js';
import { snapshotFacts } from './snapshot-facts.js';
import type { ActionExpansion, DrAction } from './types.js';
import { waitApiserverReady } from './wait-apiserver-ready.js';
import { waitEtcdQuorum } from './wait-etcd-quorum.js';
import { waitStaticPodsCurrent } from './wait-static-pods-current.js';

export type { ActionExpansion, DrAction, TemplateArg } from './types.js';

export const DR_ACTIONS: Readonly<Record<string, DrAction<never>>> = {
  checkEtcdMember,
  checkSnapshot,
  snapshotStatus,
  checkSnapshotFile,
  configureEtcdService,
  configureMember,
  createJoinToken,
  placeManifest,
  prepareStaging,
  recordEtcdData,
  rejoinWorker,
  restartKubelet,
  restartStaticPods,
  restoreEtcdProbes,
  restoreMember,
  restoreNodeFiles,
  stageSnapshot,
  startEtcdService,
  startStaticPods,
  stopEtcdService,
  stopStaticPods,
  verifyEtcd,
  waitApiserverReady,
  waitEtcdQuorum,
  waitStaticPodsCurrent,
  memberStatus,
  chooseSurvivor,
  forceNewCluster,
  memberAdd,
  memberRemove,
  checkMemberRemoval,
  staleLeases,
  prepareBackupDir,
  saveSnapshot,
  snapshotFacts,
  collectNodeFiles,
  fetchBackupFile,
  sealBackup,
  verifyBackup,
};

export function isDrActionName(key: string): boolean {
  return Object.hasOwn(DR_ACTIONS, key);
}

/** The expansion of schema-valid `args` (the runbook schema holds every argsSchema). */
export function expandDrAction(name: string, args: unknown): ActionExpansion {
  const action = DR_ACTIONS[name];
  if (!action) throw new Error(`unknown DR action ${name}`);
  return (action.expand as (a: unknown) => ActionExpansion)(args ?? {});
}
