// Turns an EventScript into audit records in memory (same path as the sink, without files).
import { sealLine, sha256Hex, genesisHash } from '../../src/audit/chain.js';
import { parseAuditRecords } from '../../src/audit/read.js';
import { auditBodyOf, type AuditRecord } from '../../src/audit/record.js';
import type { RunEvent } from '../../src/model/index.js';

export function recordsOf(events: readonly RunEvent[], runId = 'run-1'): AuditRecord[] {
  let prev = genesisHash(runId);
  let seq = 0;
  const lines: string[] = [];
  for (const e of events) {
    const body = auditBodyOf(e, {}, sha256Hex);
    if (!body || e.kind === 'task-output') continue;
    const line = sealLine({ v: 1, seq: seq++, prev, runId, at: e.at, who: { user: 'alice', host: 'ops' }, ...body });
    prev = sha256Hex(line);
    lines.push(line);
  }
  return parseAuditRecords(lines.join('\n'));
}
