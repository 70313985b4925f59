// Progress text shared by the reporters, and the pace at which the line-oriented ones print it.
// Everything comes from the event (its `at`, its figures): no clock here, so output is
// deterministic for a given event stream.
import type { RunEvent, TaskProgress } from '../model/index.js';
import { formatDuration } from '../audit/format.js';

type ProgressEvent = Extract<RunEvent, { kind: 'task-progress' }>;

/** 1536 → "1.5 KiB"; binary units, as `ls -lh` and etcd's quota. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i] ?? ''}`;
}

/** "upload 1.20 GiB / 4.00 GiB (30%), 85.3 MiB/s, ETA 34.0s" or "waiting 12.0s of 5m00s (14 polls)". */
export function formatProgress(p: TaskProgress): string {
  if (p.what === 'wait') return `waiting ${formatDuration(p.elapsedMs)} of ${formatDuration(p.timeoutMs)} (${p.polls} poll${p.polls === 1 ? '' : 's'})`;
  const parts = [`${p.what} ${formatBytes(p.bytes)}${p.totalBytes !== undefined ? ` / ${formatBytes(p.totalBytes)} (${p.totalBytes > 0 ? Math.floor((p.bytes / p.totalBytes) * 100) : 100}%)` : ''}`];
  if (p.bytesPerSec !== undefined) parts.push(`${formatBytes(p.bytesPerSec)}/s`);
  if (p.etaMs !== undefined) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  return parts.join(', ');
}

/**
 * Lets a progress event through when its task printed none for `everyMs` (by the events' own
 * `at`); the first one of a task always passes. Forgets a task when it ends.
 */
export class ProgressPacer {
  private readonly last = new Map<string, number>();

  constructor(private readonly everyMs: number) {}

  due(e: ProgressEvent): boolean {
    const key = `${e.stepId}@${e.node}`;
    const at = Date.parse(e.at);
    const prev = this.last.get(key);
    if (prev !== undefined && at - prev < this.everyMs) return false;
    this.last.set(key, at);
    return true;
  }

  forget(stepId: string, node: string): void {
    this.last.delete(`${stepId}@${node}`);
  }
}
