// Each lab takes its own 127.X.0.0/16 so several labs (tests, the demo, other developers) can
// run at once. The block is claimed with an mkdir lock (atomic) and released on `down`.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_DIR = '/tmp/kubedr-lab-locks';
const FIRST = 100;
const LAST = 199;

interface LockOwner {
  id: string;
  root: string;
}

function lockPath(block: number, lockDir: string): string {
  return join(lockDir, `127.${block}`);
}

/** A lock whose lab root is gone (crashed before writing it, or removed by hand) is stale. */
function isStale(path: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(join(path, 'owner.json'), 'utf8')) as LockOwner;
    return !existsSync(owner.root);
  } catch {
    try {
      return Date.now() - statSync(path).mtimeMs > 30_000;
    } catch {
      return true;
    }
  }
}

/** Claim a free 127.X.0.0/16 block for lab `id` whose files live in `root`. */
export function claimBlock(id: string, root: string, lockDir = LOCK_DIR): number {
  mkdirSync(lockDir, { recursive: true });
  const start = FIRST + Math.floor(Math.random() * (LAST - FIRST + 1));
  for (let i = 0; i <= LAST - FIRST; i++) {
    const block = FIRST + ((start - FIRST + i) % (LAST - FIRST + 1));
    const path = lockPath(block, lockDir);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        mkdirSync(path);
        writeFileSync(join(path, 'owner.json'), JSON.stringify({ id, root } satisfies LockOwner));
        return block;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0 || !isStale(path)) break;
        rmSync(path, { recursive: true, force: true });
      }
    }
  }
  throw new Error(`no free 127.X.0.0/16 block for a lab (all of 127.${FIRST}–127.${LAST} are locked under ${lockDir})`);
}

/** Release the block if lab `id` still holds it. */
export function releaseBlock(block: number, id: string, lockDir = LOCK_DIR): void {
  const path = lockPath(block, lockDir);
  try {
    const owner = JSON.parse(readFileSync(join(path, 'owner.json'), 'utf8')) as LockOwner;
    if (owner.id !== id) return;
  } catch {
    return;
  }
  rmSync(path, { recursive: true, force: true });
}
