// The kubelet's probe rules for the lab's static-pod runner, as a state machine without clock or
// network (runner.js does the HTTP GETs and timers; tests drive it by hand): the startup probe
// runs first; once it passes, the liveness probe; `failureThreshold` failures in a row of the
// probe in force mean the container is killed (and restarted with back-off, like a crash).

/** A container's probe from its manifest, with the kubelet's defaults; undefined if none/not httpGet. */
export function probeSpec(p) {
  if (!p || !p.httpGet) return undefined;
  const g = p.httpGet;
  return {
    host: String(g.host ?? '127.0.0.1'),
    port: Number(g.port),
    path: String(g.path ?? '/'),
    scheme: String(g.scheme ?? 'HTTP').toLowerCase(),
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: p.timeoutSeconds ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

/** { startup, liveness } → { next(): {probe, atMs} | undefined, result(ok): 'ok' | 'fail' | 'kill' } */
export function createProber({ startup, liveness }) {
  let phase = startup ? 'startup' : liveness ? 'liveness' : 'none';
  let failures = 0;
  let atMs = (startup ?? liveness)?.initialDelaySeconds * 1000 || 0;
  const current = () => (phase === 'startup' ? startup : phase === 'liveness' ? liveness : undefined);
  return {
    /** The probe to run and when, in ms after the container started. */
    next: () => (current() ? { probe: current(), atMs } : undefined),
    result(ok) {
      const p = current();
      if (!p) return 'ok';
      if (ok) {
        failures = 0;
        if (phase === 'startup') {
          phase = liveness ? 'liveness' : 'none';
          atMs = Math.max(atMs + (liveness?.periodSeconds ?? 0) * 1000, (liveness?.initialDelaySeconds ?? 0) * 1000);
        } else atMs += p.periodSeconds * 1000;
        return 'ok';
      }
      failures += 1;
      if (failures >= p.failureThreshold) {
        phase = 'none';
        return 'kill';
      }
      atMs += p.periodSeconds * 1000;
      return 'fail';
    },
  };
}
