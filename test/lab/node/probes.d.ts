// Types for probes.js (plain JS, runs inside lab nodes without a TypeScript loader).
export interface ProbeSpec {
  host: string;
  port: number;
  path: string;
  scheme: string;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}
export interface Prober {
  next(): { probe: ProbeSpec; atMs: number } | undefined;
  result(ok: boolean): 'ok' | 'fail' | 'kill';
}
export function probeSpec(p: unknown): ProbeSpec | undefined;
export function createProber(probes: { startup?: ProbeSpec | undefined; liveness?: ProbeSpec | undefined }): Prober;
