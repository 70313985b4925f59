// The lab kubelet's probe rules (probes.js, used by runner.js) against a member whose restored db
// takes longer to load than kubeadm's probes allow. Simulated time: each start loads from zero,
// /health fails until the load is done; a kill restarts it after the runner's back-off.
import { describe, expect, it } from 'vitest';
import { relaxEtcdProbes } from '../../src/etcd/probe.js';
import { KUBEADM_ETCD } from '../etcd/kubeadm-etcd-manifest.js';
import { backoffMs, parsePodManifest, type PodSpec } from './node/pods.js';
import { createProber } from './node/probes.js';

const GiB = 1024 ** 3;

/** Kills and the time /health first answered (undefined: never within the horizon). */
function simulate(spec: PodSpec, loadMs: number, horizonMs: number): { kills: number; healthyAtMs?: number } {
  let startedAt = 0;
  let kills = 0;
  while (startedAt < horizonMs) {
    const prober = createProber(spec.probes);
    for (;;) {
      const n = prober.next();
      if (!n) return { kills };
      const at = startedAt + n.atMs;
      if (at > horizonMs) return { kills };
      const ok = n.atMs >= loadMs;
      const verdict = prober.result(ok);
      if (ok) return { kills, healthyAtMs: at };
      if (verdict === 'kill') {
        kills += 1;
        startedAt = at + backoffMs(kills);
        break;
      }
    }
  }
  return { kills };
}

describe('lab kubelet probes with a slow-loading etcd member', () => {
  // A 4 GiB db loading at 12 MiB/s: ~341 s before /health answers.
  const dbBytes = 4 * GiB;
  const loadMs = Math.round((dbBytes / (12 * 1024 ** 2)) * 1000);

  it("kubeadm's probes kill it over and over: it never becomes healthy", () => {
    const spec = parsePodManifest(KUBEADM_ETCD, 'cp-1');
    expect(spec.probes.startup).toMatchObject({ port: 2381, failureThreshold: 24, periodSeconds: 10 });
    const r = simulate(spec, loadMs, 60 * 60_000);
    expect(r.healthyAtMs).toBeUndefined();
    expect(r.kills).toBeGreaterThanOrEqual(10);
  });

  it('with the probes relaxed for the restore it loads once, is never killed, and is healthy', () => {
    const relaxed = relaxEtcdProbes(KUBEADM_ETCD, dbBytes, 'etcd.yaml');
    const r = simulate(parsePodManifest(relaxed.text, 'cp-1'), loadMs, 60 * 60_000);
    expect(r.kills).toBe(0);
    expect(r.healthyAtMs).toBeGreaterThanOrEqual(loadMs);
  });

  it('after startup, a liveness probe that keeps failing still kills (the restore only widens the start)', () => {
    const spec = parsePodManifest(relaxEtcdProbes(KUBEADM_ETCD, dbBytes, 'etcd.yaml').text, 'cp-1');
    const prober = createProber(spec.probes);
    expect(prober.result(true)).toBe('ok'); // started
    const verdicts = Array.from({ length: 8 }, () => prober.result(false));
    expect(verdicts.at(-1)).toBe('kill');
    expect(verdicts.slice(0, 7).every((v) => v === 'fail')).toBe(true);
  });
});
