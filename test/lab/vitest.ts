// Use the lab from a vitest file: `const env = useLab({ workers: 2 })` registers beforeAll (up)
// and afterAll (down). If the test process dies instead, each node's init sees its stdin pipe
// close and ends the node; the next startLab (or `npm run lab -- down --all`) removes the files.
import { afterAll, beforeAll } from 'vitest';
import { startLab, type Lab, type LabOptions } from './lab.js';

export interface LabHandle {
  /** The running lab; throws if used outside the tests of the file that called useLab. */
  readonly lab: Lab;
}

export function useLab(opts: LabOptions = {}): LabHandle {
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = await startLab({ ...opts, owned: true });
  });
  afterAll(async () => {
    await lab?.down();
  });
  return {
    get lab(): Lab {
      if (!lab) throw new Error('the lab is not up (useLab must be called at the top of a test file)');
      return lab;
    },
  };
}
