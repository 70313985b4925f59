// Which processes on this machine still run a command: lets a test wait until a killed tree is
// really gone instead of sleeping past the moment it would have done harm.
import { execFileSync } from 'node:child_process';

/** How many processes on this machine have `marker` in their arguments. */
export function processesWith(marker: string): number {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(marker)).length;
}

/** A marker unique to this test process and call, to put into a command's arguments. */
let n = 0;
export const uniqueMarker = (what: string): string => `kubedr-${what}-${process.pid}-${++n}`;
