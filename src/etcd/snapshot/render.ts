// Plain-text renderings of the snapshot reports (the CLI's default output; --output json
// prints the report objects instead). Deterministic: tests compare them verbatim.
import type { SnapshotDiff } from './diff.js';
import type { SnapshotValue } from './get.js';
import type { SnapshotInspection } from './inspect.js';
import type { IntegrityResult } from './integrity.js';

/** `snapshot inspect` table: status numbers, integrity verdict, live keys per resource. */
export function renderInspection(file: string, r: SnapshotInspection): string {
  const lines = [
    `snapshot:    ${file}`,
    `integrity:   ${describeIntegrity(r.integrity)}`,
    `hash:        ${r.hash.toString(16).padStart(8, '0')} (crc32c, as etcdctl snapshot status)`,
    `revision:    ${r.revision}`,
    `total keys:  ${r.totalKeys} (all buckets, every revision)`,
    `total size:  ${r.totalSize} bytes (${r.totalSize / r.pageSize} pages of ${r.pageSize}); file ${r.fileSize} bytes`,
    `live keys:   ${r.liveKeys} (${r.revisions} revisions stored, ${r.tombstones} deletions)`,
    '',
    'live keys per resource:',
    ...table(Object.entries(r.resources)),
  ];
  return `${lines.join('\n')}\n`;
}

export function describeIntegrity(i: IntegrityResult): string {
  switch (i.verdict) {
    case 'ok':
      return `ok (sha256 ${i.actual ?? ''} matches the appended hash)`;
    case 'absent':
      return 'no appended hash (a raw member/snap/db copy?); restore needs --skip-hash-check';
    case 'skipped':
      return 'not checked (--skip-hash-check)';
    case 'mismatch':
      return `MISMATCH (appended ${i.expected ?? ''}, computed ${i.actual ?? ''})`;
  }
}

/** `snapshot get`: JSON and text as stored; protobuf as the decoded object header. */
export function renderValue(v: SnapshotValue): string {
  const d = v.decoded;
  switch (d.encoding) {
    case 'json':
    case 'text':
      return v.value.toString('utf8').endsWith('\n') ? v.value.toString('utf8') : `${v.value.toString('utf8')}\n`;
    case 'protobuf': {
      const o = d.object;
      const rows: [string, string | undefined][] = [
        ['apiVersion', o.apiVersion], ['kind', o.kind], ['name', o.name], ['generateName', o.generateName],
        ['namespace', o.namespace], ['uid', o.uid], ['resourceVersion', o.resourceVersion], ['creationTimestamp', o.creationTimestamp],
      ];
      const labels = Object.entries(o.labels ?? {}).map(([k, val]) => `  ${k}: ${val}`);
      return [
        `# ${v.key}: Kubernetes protobuf, ${v.value.length} bytes, modRevision ${v.modRevision}; spec/status not decoded`,
        ...rows.flatMap(([k, val]) => (val === undefined ? [] : [`${k}: ${val}`])),
        ...(labels.length > 0 ? ['labels:', ...labels] : []),
        '',
      ].join('\n');
    }
    case 'encrypted':
      return `# ${v.key}: encrypted at rest (provider ${d.provider}, key ${d.keyName}), ${v.value.length} bytes; cannot be decoded without the key\n`;
    case 'binary':
      return `# ${v.key}: binary value, ${v.value.length} bytes (use --output json for base64)\n`;
  }
}

/** `snapshot diff`: totals, then per resource type the counts and the keys (+ added, - removed, ~ changed). */
export function renderDiff(a: string, b: string, d: SnapshotDiff): string {
  const t = d.totals;
  const lines = [`diff ${a} -> ${b}: ${t.added} added, ${t.removed} removed, ${t.changed} changed, ${t.unchanged} unchanged`];
  for (const [resource, r] of Object.entries(d.resources)) {
    lines.push('', `${resource}: +${r.added.length} -${r.removed.length} ~${r.changed.length}`);
    for (const k of r.added) lines.push(`  + ${k}`);
    for (const k of r.removed) lines.push(`  - ${k}`);
    for (const k of r.changed) lines.push(`  ~ ${k}`);
  }
  return `${lines.join('\n')}\n`;
}

function table(rows: [string, number][]): string[] {
  if (rows.length === 0) return ['  (none)'];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, n]) => `  ${k.padEnd(width)}  ${n}`);
}
