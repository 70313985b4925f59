// Test file order: longest first, so that a long file never starts late and runs alone at the end
// while the other workers idle (the run lasts at least as long as its last file). Vitest orders by
// the durations it cached on this machine; a clean CI clone has none and then Vitest orders by
// file size, which put pack (104 s) and files-lost-backup (136 s) among the last files to
// start. This sequencer falls back to the wall times of the last CI run for the slow files. It
// only orders: it bounds nothing and no test depends on it.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** ms per file in a CI run on 2 cores (files that took 40 s or more); estimates where marked. */
const CI_MS: Readonly<Record<string, number>> = {
  // unit
  'test/engine/crash.test.ts': 75_902,
  'test/hostile/corpus.test.ts': 62_405,
  // lab
  // pack was a unit file (104 s); now it also starts a one-node lab and runs a backup (estimate)
  'test/package/pack.lab.test.ts': 120_000,
  'test/runbooks/quorum.lab.test.ts': 316_755,
  'test/runbooks/ha-restore.lab.test.ts': 182_880,
  // files-lost-rebuilt took 332 s before it was split in two (estimates: half each)
  'test/e2e/files-lost-rebuilt-crash.lab.test.ts': 170_000,
  'test/e2e/files-lost-rebuilt.lab.test.ts': 165_000,
  'test/e2e/files-lost-backup.lab.test.ts': 135_717,
  'test/transport/transfer.lab.test.ts': 126_489,
  'test/e2e/recover.lab.test.ts': 116_683,
  'test/transport/ssh-exec.lab.test.ts': 73_666,
  'test/e2e/external-etcd-restore.lab.test.ts': 62_678,
  'test/runbooks/rehearse-builtin.lab.test.ts': 54_254,
  'test/app/rehearse.lab.test.ts': 51_856,
  'test/lab/lab.lab.test.ts': 51_362,
  'test/lab/restore.lab.test.ts': 49_984,
  'test/app/objects.lab.test.ts': 47_366,
  'test/e2e/run.lab.test.ts': 46_913,
};

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Vitest's own order: group order and project first, then its cache, else size.
    const base = await super.sort(files);
    const rank = new Map(base.map((f, i) => [f, i]));
    const at = (f: TestSpecification): number => rank.get(f) ?? 0;
    const estimate = (f: TestSpecification): number | undefined => {
      const path = relative(this.ctx.config.root, f.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${f.project.name}:${path}`);
      if (cached) return cached.failed ? Number.POSITIVE_INFINITY : cached.duration;
      return CI_MS[path];
    };
    return [...base].sort((a, b) => {
      if (a.project !== b.project) return at(a) - at(b);
      const ea = estimate(a);
      const eb = estimate(b);
      if (ea === undefined && eb === undefined) return at(a) - at(b);
      if (ea === undefined || eb === undefined) return ea === undefined ? 1 : -1;
      return eb - ea || at(a) - at(b);
    });
  }
}
