// Reads audit records for reports. Lenient: a report over a damaged log still shows what is
// readable; whether the log can be trusted is verifyAudit's job, and reports print its verdict.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_FILE } from './chain.js';
import type { AuditRecord } from './record.js';

export function readAuditRecords(runDir: string): AuditRecord[] {
  const file = join(runDir, AUDIT_FILE);
  if (!existsSync(file)) return [];
  return parseAuditRecords(readFileSync(file, 'utf8'));
}

export function parseAuditRecords(text: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const rec = JSON.parse(line) as Partial<AuditRecord>;
      if (rec && typeof rec === 'object' && typeof rec.type === 'string') out.push(rec as AuditRecord);
    } catch {
      // unreadable line: skipped here, reported by verifyAudit
    }
  }
  return out;
}
