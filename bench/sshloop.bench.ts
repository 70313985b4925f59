// Fan-out against the plainest baseline (issue 7): the same ten steps on 50 lab hosts as a bash
// loop, one `ssh` per host per step, one after the other (OpenSSH, StrictHostKeyChecking=yes,
// no multiplexing) vs kubedr's CLI in the same rounds. Its own suite because one loop takes
// ~6 min on a loaded 2-core machine (nothing in it needs a warm-up).
import { HOSTS, kubedrCliContender, setup, teardown, TIMEOUT_MS, type Ctx } from './lib/fanout-lab.js';
import type { PairedSuite } from './lib/paired.js';
import { runOk } from './lib/proc.js';

const KUBEDR = `fan-out ${HOSTS} hosts x 10 steps: kubedr CLI`;

const suite: PairedSuite<Ctx> = {
  kind: 'paired',
  suite: 'sshloop',
  description: `10 small shell steps on ${HOSTS} lab hosts: sequential ssh loop vs kubedr CLI`,
  warmup: false,
  setup,
  teardown,
  info: () => ({ hosts: HOSTS, sshLoop: 'bash: for each step, for each host: ssh -o StrictHostKeyChecking=yes -o BatchMode=yes root@host CMD (no ControlMaster)' }),
  contenders: [
    kubedrCliContender(),
    {
      name: `fan-out ${HOSTS} hosts x 10 steps: sequential ssh loop`,
      baseline: KUBEDR,
      run: async (ctx) => {
        await runOk('bash', [ctx.sshLoop], { env: ctx.env, timeoutMs: TIMEOUT_MS });
        return undefined;
      },
    },
  ],
};
export default suite;
