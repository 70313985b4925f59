// `kubedr unlock [--force] <lock-id>`: remove a run lock left by a run that is gone.
import { unlockRun, type LockHolder } from '../journal/index.js';
import { currentIdentity, locksDir, resolveStateDir } from './state.js';

export interface UnlockOptions {
  lockId: string;
  /** Remove even when the holder may be alive (another host, or a live pid). @default false */
  force?: boolean;
  stateDir?: string;
  /** @default this machine's host name */
  host?: string;
}

/** Returns the holder that was removed. */
export async function unlock(o: UnlockOptions): Promise<LockHolder> {
  return unlockRun({
    locksDir: locksDir(resolveStateDir(o.stateDir)),
    lockId: o.lockId,
    force: o.force ?? false,
    host: o.host ?? currentIdentity().host,
  });
}
