import { describe, expect, it } from 'vitest';
import { createJsonReporter } from '../../src/reporters/json.js';
import { createPlainReporter } from '../../src/reporters/plain.js';
import type { RunEvent } from '../../src/model/index.js';
import { EventScript, sampleRun } from '../audit/events.js';

const collect = (): { out: string[]; write: (s: string) => void } => {
  const out: string[] = [];
  return { out, write: (s) => out.push(s) };
};

describe('plain reporter', () => {
  it('prints one deterministic line per event', async () => {
    const { out, write } = collect();
    const r = createPlainReporter({ write });
    const s = sampleRun();
    for (const e of s.events) r.onEvent(e);
    await r.close();
    expect(out.join('')).toMatchInlineSnapshot(`
      "run run-1: etcd-restore on lab (mode run, plan pppppppppppp)
      phase prepare
      step check-snapshot [prepare] on @local
        check-snapshot@@local start
        check-snapshot@@local done exit 0 in 400ms
      step check-snapshot done
      step stop-apiserver [prepare] on cp-1, cp-2, cp-3
      approval stop-apiserver by alice: proceed with stop-apiserver?
        stop-apiserver@cp-1 start
        stop-apiserver@cp-2 start
        stop-apiserver@cp-3 start
        stop-apiserver@cp-1 done exit 0 in 1.2s
        stop-apiserver@cp-2 done exit 0 in 1.5s
        stop-apiserver@cp-3 done exit 0 in 1.8s
      step stop-apiserver done
      phase prepare end
      phase restore
      step restore-etcd [restore] on cp-1, cp-2, cp-3
        restore-etcd@cp-1 start
        restore-etcd@cp-2 start
        restore-etcd@cp-3 start
        restore-etcd@cp-1 done exit 0 in 5.2s
        restore-etcd@cp-2 retry (attempt 2) in 100ms: connection reset
        restore-etcd@cp-2 start attempt 2
        restore-etcd@cp-2 done exit 0 in 4.8s
        restore-etcd@cp-3 done exit 0 in 6.1s
      step restore-etcd done
      step rejoin-learners [restore] on cp-1, cp-2, cp-3
      step rejoin-learners skipped
      step restart-kubelet [restore] on cp-1, cp-2, cp-3, wk-1, wk-2
        restart-kubelet@cp-1 start
        restart-kubelet@cp-2 start
        restart-kubelet@cp-3 start
        restart-kubelet@wk-1 start
        restart-kubelet@wk-2 start
        restart-kubelet@cp-1 done exit 0 in 900ms
        restart-kubelet@cp-2 done exit 0 in 900ms
        restart-kubelet@cp-3 done exit 0 in 900ms
        restart-kubelet@wk-1 done exit 0 in 900ms
        restart-kubelet@wk-2 done exit 0 in 900ms
      step restart-kubelet done
      phase restore end
      run run-1 done in 9.2s
      "
    `);
    expect(out).toHaveLength(s.events.length);
  });

  it('prints outcomes, retries, approvals and undo', async () => {
    const { out, write } = collect();
    const r = createPlainReporter({ write });
    const s = new EventScript().start({ mode: 'rollback' }).phase('p', (x) => x.step('a', 'p', { n1: { outcome: 'failed', exitCode: 3, error: 'no such file' }, n2: { outcome: 'connection-lost', retries: 1 } }, { approval: { by: 'bob', auto: true } })).undo('a', ['n1'], 'failed').end('failed');
    for (const e of s.events) r.onEvent(e);
    await r.close();
    expect(out.join('')).toMatchInlineSnapshot(`
      "run run-1: etcd-restore on lab (mode rollback, plan pppppppppppp)
      phase p
      step a [p] on n1, n2
      approval a by bob (--yes): proceed with a?
        a@n1 start
        a@n2 start
        a@n1 failed exit 3 in 1.0s: no such file
        a@n2 retry (attempt 2) in 100ms: connection reset
        a@n2 start attempt 2
        a@n2 connection-lost in 1.0s
      step a failed
      phase p end
        undo a@n1 start
        undo a@n1 failed exit 1 in 200ms
      run run-1 failed in 1.4s
      "
    `);
  });

  it('splits command output into prefixed lines, keeps streams apart, flushes partial lines at task end', async () => {
    const { out, write } = collect();
    const r = createPlainReporter({ write });
    const ev = (stream: 'stdout' | 'stderr', chunk: string, node = 'n1'): RunEvent => ({ kind: 'task-output', stepId: 's', node, stream, chunk });
    r.onEvent(ev('stdout', 'hel'));
    r.onEvent(ev('stderr', 'warn: x\n'));
    r.onEvent(ev('stdout', 'lo\r\nwor'));
    r.onEvent(ev('stdout', 'other\n', 'n2'));
    r.onEvent({ kind: 'task-end', stepId: 's', node: 'n1', outcome: 'done', exitCode: 0, durationMs: 5, at: 't' });
    r.onEvent(ev('stdout', 'tail', 'n2'));
    await r.close();
    expect(out).toEqual(['  s@n1 ! warn: x\n', '  s@n1 | hello\n', '  s@n2 | other\n', '  s@n1 | wor\n', '  s@n1 done exit 0 in 5ms\n', '  s@n2 | tail\n']);
  });

  it('redacts secrets from every line, including secrets learned later', async () => {
    const { out, write } = collect();
    const secrets: string[] = [];
    const r = createPlainReporter({ write, secrets: () => secrets });
    secrets.push('abcdef.0123456789');
    r.onEvent({ kind: 'task-output', stepId: 's', node: 'n', stream: 'stdout', chunk: 'token abcdef.0123456789\n' });
    r.onEvent({ kind: 'task-end', stepId: 's', node: 'n', outcome: 'failed', durationMs: 1, error: 'bad abcdef.0123456789', at: 't' });
    expect(out.join('')).not.toContain('abcdef.0123456789');
    expect(out.join('')).toContain('[REDACTED]');
  });
});

describe('json reporter', () => {
  it('writes one parseable event per line, unchanged except for redaction', async () => {
    const { out, write } = collect();
    const r = createJsonReporter({ write, secrets: ['s3cr3t-value'] });
    const s = sampleRun();
    for (const e of s.events) r.onEvent(e);
    r.onEvent({ kind: 'task-output', stepId: 'x', node: 'n', stream: 'stdout', chunk: 'has s3cr3t-value\n' });
    await r.close();
    expect(out.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(out.slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual(s.events);
    expect(JSON.parse(out.at(-1) ?? '')).toMatchObject({ chunk: 'has [REDACTED]\n' });
  });
});
