// API downtime of a restore on the lab, measured from outside: from the first moment any
// control-plane node's kube-apiserver container is not running (the lab kubelet's pods.json,
// rewritten on every change) to the first moment after that when every apiserver runs again and
// answers /readyz 200. Polled every POLL_MS, so figures are ±POLL_MS plus one /readyz round trip.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiserverReady, type Lab } from '../../test/lab/index.js';

const POLL_MS = 100;

export interface Downtime {
  /** First stop to all /readyz ok, ms; undefined when no apiserver was seen stopping. */
  downtimeMs?: number;
  /** Run start to the first stop, ms. */
  beforeStopMs?: number;
}

function apiserverRunning(lab: Lab, node: string): boolean {
  try {
    const rows = JSON.parse(readFileSync(join(lab.node(node).dirs.root, 'pods.json'), 'utf8')) as { pod: string; state: string }[];
    return rows.some((r) => r.pod.startsWith('kube-apiserver') && r.state === 'Running');
  } catch {
    return false; // being rewritten: count as not known to run, the next poll decides
  }
}

/** Starts polling; `stop()` ends it and returns the downtime seen. */
export function watchApiDowntime(lab: Lab): { stop: () => Promise<Downtime> } {
  const cps = lab.nodes.filter((n) => n.roles.includes('control-plane')).map((n) => n.name);
  const t0 = performance.now();
  let firstStop: number | undefined;
  let readyAt: number | undefined;
  let running = true;
  const loop = (async () => {
    while (running && readyAt === undefined) {
      const t = performance.now();
      const up = cps.map((n) => apiserverRunning(lab, n));
      if (firstStop === undefined) {
        if (up.some((u) => !u)) firstStop = t;
      } else if (up.every(Boolean)) {
        const ready = await Promise.all(cps.map((n) => apiserverReady(lab, n)));
        if (ready.every(Boolean)) readyAt = performance.now();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      const d: Downtime = {};
      if (firstStop !== undefined) d.beforeStopMs = Math.round(firstStop - t0);
      if (firstStop !== undefined && readyAt !== undefined) d.downtimeMs = Math.round(readyAt - firstStop);
      return d;
    },
  };
}
