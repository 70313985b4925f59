// A failed task keeps its cause: the last lines of its stderr, redacted, reach the task-end
// event, the journal and (through them) the audit log, `kubedr audit`, report.html and JUnit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGrid } from '../../src/audit/grid.js';
import { renderJunit } from '../../src/audit/junit.js';
import { readAuditRecords } from '../../src/audit/read.js';
import { createAuditSink } from '../../src/audit/sink.js';
import { MemoryTransport } from './support/memory-transport.js';
import { runInMemory } from './support/harness.js';
import { makePlan, sh } from './support/plans.js';

const base = mkdtempSync(join(tmpdir(), 'kubedr-cause-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const TOKEN = 'tok-0123456789abcdef';

describe('a failed task keeps the end of its stderr', () => {
  it('in the task-end event, the journal, the audit record and JUnit, with secrets redacted', async () => {
    const stderr = `${Array.from({ length: 20 }, (_, i) => `noise ${i}`).join('\n')}\nError: snapshot missing\nauth with ${TOKEN} refused\n`;
    const t = new MemoryTransport(() => ({ exitCode: 3, stderr }));
    const plan = makePlan([{ id: 'restore', nodes: ['cp-1'], action: sh('etcdutl snapshot restore') }], { secretParams: ['tok'] });
    const h = await runInMemory(plan, t, { secrets: { tok: TOKEN } });
    const end = h.events.find((e) => e.kind === 'task-end');
    expect(end).toMatchObject({ outcome: 'failed', exitCode: 3 });
    const error = end?.kind === 'task-end' ? (end.error ?? '') : '';
    expect(error).toMatch(/^exit code 3: .*Error: snapshot missing \| auth with \[REDACTED\] refused$/);
    expect(error).not.toContain('noise 0');
    expect(h.journal.find((r) => r.r === 'task-end')).toMatchObject({ error });

    const runDir = join(base, 'runs', 'run-1');
    const sink = createAuditSink({ runDir, runId: 'run-1', who: { user: 'u', host: 'h' }, fsync: false, signingKey: false, secrets: [TOKEN] });
    for (const e of h.events) sink.onEvent(e);
    sink.close();
    const records = readAuditRecords(runDir);
    expect(records.find((r) => r.type === 'task-end')).toMatchObject({ error });
    expect(renderJunit(buildGrid(records, 'run-1'))).toContain('Error: snapshot missing');
    expect(JSON.stringify(records)).not.toContain(TOKEN);
  });
});
