import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/sequencer.js';

// Two projects, run one after the other (sequence.groupOrder):
// - `unit` is pure logic plus local processes. Its files mostly wait (child processes, real etcd,
//   fsync), not compute: on a 2-core machine Vitest's default (cores - 1 = one worker) left the
//   CPU idle, so three workers.
// - `lab` drives real sshd/etcd in Linux namespaces and needs root. Every lab claims its own
//   127.X.0.0/16 block and mount namespaces, so two lab files can run at once; more would only
//   queue on two cores. Every wait in these tests is for a condition, never a duration.
export default defineConfig({
  test: {
    // Longest files first in each project (test/sequencer.ts): a clean clone has no duration cache.
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.lab.test.ts', 'node_modules/**'],
          // A hang guard only (tests wait for conditions): generous, so a machine at load 20+ still passes.
          testTimeout: 120_000,
          maxWorkers: 3,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/**/*.lab.test.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          // Hang guards only: a replace-member case took 302 s at load 50 (a fresh-clone run
          // beside four other sessions); the waits inside are for conditions.
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
