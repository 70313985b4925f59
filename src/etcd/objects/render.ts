// Plain-text renderings of `objects list|diff` and the restore preview (the CLI's default
// output; -o json prints the report objects). Never a value: only keys, sizes and metadata.
import type { ObjectsDiff } from './diff.js';
import type { ObjectInfo } from './meta.js';
import type { RestorePlan } from './restore-plan.js';
import type { RestoreWarning } from './warnings.js';

export interface ListedObject extends Omit<ObjectInfo, 'ownerReferences'> {
  key: string;
  resource: string;
  size: number;
  modRevision: number;
}

export function renderList(objects: readonly ListedObject[]): string {
  if (objects.length === 0) return 'no objects match the selection\n';
  const head = ['RESOURCE', 'NAMESPACE', 'NAME', 'APIVERSION/KIND', 'UID', 'CREATED', 'ENCODING'];
  const rows = objects.map((o) => [
    o.resource || '(outside /registry)', o.namespace ?? '', o.name ?? o.key, o.kind ? `${o.apiVersion ?? ''}/${o.kind}` : '', o.uid ?? '', o.creationTimestamp ?? '', o.encoding,
  ]);
  return table(head, rows);
}

const MARK = { missing: '-', changed: '~', extra: '+' } as const;

export function renderObjectsDiff(d: ObjectsDiff): string {
  const t = d.totals;
  const lines = [`${t.missing} missing live, ${t.changed} changed, ${t.extra} extra live, ${t.same} identical`];
  if (d.entries.length > 0) lines.push('  (- missing live: in the snapshot only; ~ changed: value differs; + extra live: live only)');
  for (const e of d.entries) lines.push(`  ${MARK[e.kind]} ${e.key}`);
  return `${lines.join('\n')}\n`;
}

export function renderRestorePreview(plan: RestorePlan, warnings: readonly RestoreWarning[]): string {
  const count = (a: string): number => plan.writes.filter((w) => w.action === a).length;
  const lines = [`restore: ${count('create')} to create, ${count('overwrite')} to overwrite, ${count('delete')} to delete`];
  for (const w of plan.writes) lines.push(`  ${w.action.padEnd(9)} ${w.write.key}`);
  const needs = (flag: string): number => plan.leftAlone.filter((l) => l.needs === flag).length;
  if (needs('--overwrite') > 0) lines.push(`left alone: ${needs('--overwrite')} changed key(s) (add --overwrite to restore them)`);
  if (needs('--prune') > 0) lines.push(`left alone: ${needs('--prune')} extra live key(s) (add --prune to delete them)`);
  for (const w of warnings) lines.push(`warning ${w.code}: ${w.message}`);
  return `${lines.join('\n')}\n`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return `${[head, ...rows].map(line).join('\n')}\n`;
}
