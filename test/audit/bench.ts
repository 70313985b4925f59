// Audit log benchmark (not a test): `npx tsx test/audit/bench.ts [records]`. Prints the cost of
// the hash-chained sink and of verifyAudit as ratios against a baseline measured in the same run
// (plain JSONL append, plain JSON.parse of every line), per the brief. Meant to move under bench/.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditSink } from '../../src/audit/sink.js';
import { verifyAudit } from '../../src/audit/verify.js';
import type { RunEvent } from '../../src/model/index.js';

const N = Number(process.argv[2] ?? 20_000);
const events: RunEvent[] = [];
for (let i = 0; i < N / 2; i++) {
  const stepId = `step-${Math.floor(i / 50)}`;
  const node = `node-${i % 50}`;
  events.push({ kind: 'task-start', stepId, node, attempt: 1, commandDigest: 'a'.repeat(64), at: new Date(1e12 + i * 10).toISOString() });
  events.push({ kind: 'task-end', stepId, node, outcome: 'done', exitCode: 0, durationMs: 9, at: new Date(1e12 + i * 10 + 9).toISOString() });
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

for (const fsync of [false, true]) {
  const n = fsync ? Math.min(N, 2000) : N;
  const base = mkdtempSync(join(tmpdir(), 'kubedr-bench-'));
  try {
    const baseline = time(() => {
      const fd = openSync(join(base, 'plain.jsonl'), 'a');
      for (const e of events.slice(0, n)) {
        writeSync(fd, `${JSON.stringify({ runId: 'run-b', who: { user: 'u', host: 'h' }, ...e })}\n`);
        if (fsync) fdatasyncSync(fd);
      }
      closeSync(fd);
    });
    const runDir = join(base, 'run-b');
    const chained = time(() => {
      const sink = createAuditSink({ runDir, who: { user: 'u', host: 'h' }, fsync, secrets: ['some-secret-token-1', 'another-secret-2'] });
      for (const e of events.slice(0, n)) sink.onEvent(e);
      sink.close();
    });
    const parse = time(() => {
      for (const l of readFileSync(join(base, 'plain.jsonl'), 'utf8').split('\n')) if (l) JSON.parse(l);
    });
    let ok = false;
    const verify = time(() => {
      ok = verifyAudit(runDir).ok;
    });
    console.log(JSON.stringify({
      fsync, records: n, verified: ok,
      appendMs: Math.round(chained), appendUsPerRecord: Math.round((chained / n) * 1000), appendVsPlainJsonl: +(chained / baseline).toFixed(2),
      verifyMs: Math.round(verify), verifyVsJsonParse: +(verify / parse).toFixed(2),
    }));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
