// Files that upload steps will send must exist on the operator machine. Planning is pure, so
// this check lives here in the use-case layer; it reads the local disk only, never the network.
// A warning rather than an error: operators often plan before copying the snapshot in place.
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { Problem } from '../errors/index.js';
import type { Plan, SourcePos } from '../model/index.js';

export async function checkUploadSources(plan: Plan, posOf: (stepId: string) => SourcePos | undefined): Promise<Problem[]> {
  const seen = new Map<string, string>();
  for (const step of plan.phases.flatMap((p) => p.steps)) {
    for (const task of step.tasks) {
      const a = task.action;
      if (a.kind !== 'upload' || a.src.parts.some((p) => p.t === 'ref')) continue;
      const src = a.src.parts.map((p) => (p.t === 'lit' ? p.v : '')).join('');
      seen.set(`${step.id}\u0000${src}`, step.id);
    }
  }
  const problems: Problem[] = [];
  for (const [key, stepId] of seen) {
    const src = key.split('\u0000')[1] ?? '';
    const path = src.startsWith('~/') ? `${homedir()}${src.slice(1)}` : src;
    const ok = await stat(path).then((s) => s.isFile(), () => false);
    if (ok) continue;
    const pos = posOf(stepId);
    problems.push({
      code: 'RUNBOOK_UPLOAD_SOURCE_MISSING',
      message: `step "${stepId}" uploads ${src}, which is not a file on this machine`,
      hint: 'put the file there before running, or pass the right path with --param',
      severity: 'warning',
      ...(pos ? { pos } : {}),
    });
  }
  return problems;
}
