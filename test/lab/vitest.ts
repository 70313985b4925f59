// Use the lab from a vitest file: `const env = useLab({ workers: 2 })` registers beforeAll (up)
// and afterAll (down). If the test process dies instead, each node's init sees its stdin pipe
// close and ends the node; the next startLab (or `npm run lab -- down --all`) removes the files.
import { afterAll, beforeAll } from 'vitest';
import { startLab, type Lab, type LabOptions } from './lab.js';

export interface LabHandle {
  /** The running lab; throws if used outside the tests of the file that called useLab. */
  readonly lab: Lab;
}

/** `opts` may be computed in the hook (e.g. a seed snapshot made first). */
export function useLab(opts: LabOptions | (() => Promise<LabOptions>) = {}): LabHandle {
  let lab: Lab | undefined;
  let starting: Promise<unknown> = Promise.resolve();
  // No wall-clock bound of our own on the cluster coming up (a loaded machine is slow): the hook
  // timeout bounds it, and afterAll stops a wait still going so that startLab tears the lab down.
  const stop = new AbortController();
  beforeAll(async () => {
    const o = typeof opts === 'function' ? await opts() : opts;
    const up = startLab({ clusterWaitMs: Number.POSITIVE_INFINITY, signal: stop.signal, ...o, owned: true });
    starting = up.catch(() => undefined);
    lab = await up;
  });
  afterAll(async () => {
    stop.abort(new Error('the test file is over'));
    await starting;
    await lab?.down();
  });
  return {
    get lab(): Lab {
      if (!lab) throw new Error('the lab is not up (useLab must be called at the top of a test file)');
      return lab;
    },
  };
}
