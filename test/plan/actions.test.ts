// Rendering of every action kind: what is quoted, what stays a reference, what sudo means.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { PlannedAction, PlanTask } from '../../src/model/index.js';
import { buildPlan, displayText, planRunbook, resolveText } from '../../src/plan/index.js';
import { inventoryWith, runbookWith } from '../helpers/build.js';

const inv = inventoryWith(
  `  - { name: cp1, address: 127.0.0.11, roles: [control-plane, etcd], labels: { evil: "$(touch /tmp/pwned) 'x'" } }
  - { name: w1, address: 127.0.0.21, roles: [worker], become: { enabled: true } }
`,
  'vars: { backupDir: /var/backups/etcd }\n',
);
const PARAMS = `  dir: { type: path, default: "/tmp/with space" }\n  token: { type: secret }\n  n: { type: int, default: 3 }`;

function task(step: string, node = 'cp1'): PlanTask {
  const plan = buildPlan(runbookWith(step, PARAMS), inv);
  const t = plan.phases[0]?.steps[0]?.tasks.find((x) => x.node === node);
  if (!t) throw new Error('no task');
  return t;
}
const show = (a: PlannedAction) => (a.kind === 'shell' ? displayText(a.script) : '');

describe('shell', () => {
  it('quotes every substituted value and leaves safe words bare', () => {
    const t = task(`      - id: s\n        targets: { nodes: [cp1] }\n        shell: ls {{ params.dir }} {{ node.name }} {{ params.n }} {{ vars.backupDir }}\n`);
    expect(show(t.action)).toBe("ls '/tmp/with space' cp1 3 /var/backups/etcd");
  });

  it('neutralises shell metacharacters from the inventory', () => {
    const t = task(`      - id: s\n        targets: { nodes: [cp1] }\n        shell: printf %s {{ node.labels.evil }}\n`);
    const out = execFileSync('/bin/sh', ['-c', show(t.action)]).toString();
    expect(out).toBe("$(touch /tmp/pwned) 'x'");
  });

  it('refuses | raw on a param: an operator-given value never reaches the shell unquoted', () => {
    // (issue 13) `| raw` stays for command text a step produced ({{ steps.<id>.stdout | raw }}).
    expect(() => buildPlan(runbookWith(`      - id: s\n        targets: { nodes: [cp1] }\n        shell: ls {{ params.dir | raw }}\n`, PARAMS), inv)).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ code: 'RUNBOOK_RAW_VALUE' })] }),
    );
  });

  it('keeps secret params as quoted secret refs, resolved at run time', () => {
    const t = task(`      - id: s\n        targets: { nodes: [cp1] }\n        shell: login --token {{ params.token }}\n`);
    expect(t.action.kind === 'shell' && t.action.script.parts).toEqual([
      { t: 'lit', v: 'login --token ' },
      { t: 'ref', ref: 'params.token', quote: true, secret: true },
    ]);
    expect(show(t.action)).toBe('login --token <secret:params.token>');
    expect(t.action.kind === 'shell' && resolveText(t.action.script, () => 'a b')).toBe("login --token 'a b'");
  });

  it('uses sudo only where the inventory enables become (and the step wants root)', () => {
    const step = (sudo: string) => `      - id: s\n        targets: { roles: [control-plane, worker] }\n        shell: { script: id${sudo} }\n`;
    expect(task(step(''), 'w1').action).toMatchObject({ sudo: true });
    expect(task(step(''), 'cp1').action).toMatchObject({ sudo: false });
    expect(task(step(', sudo: false'), 'w1').action).toMatchObject({ sudo: false });
  });

  it('never resolves inherited object properties as variables', () => {
    const codes = ['vars.constructor', 'node.labels.toString', 'etcd.tls.constructor', 'node.paths.hasOwnProperty'].map(
      (v) => planRunbook(runbookWith(`      - id: s\n        targets: { nodes: [cp1] }\n        shell: echo {{ ${v} }}\n`), inv).problems.map((p) => p.code),
    );
    expect(codes).toEqual([['RUNBOOK_MISSING_NODE_VALUE'], ['RUNBOOK_MISSING_NODE_VALUE'], ['RUNBOOK_UNKNOWN_VARIABLE'], ['RUNBOOK_UNKNOWN_VARIABLE']]);
  });

  it('{{ "{{" }} writes literal braces (go templates)', () => {
    const t = task(`      - id: s\n        targets: { nodes: [cp1] }\n        shell: kubectl get no -o go-template='{{ "{{" }}.metadata.name}}'\n`);
    expect(show(t.action)).toBe("kubectl get no -o go-template='{{.metadata.name}}'");
  });
});

describe('other actions', () => {
  it('upload: paths and checksum are plain (not shell-quoted)', () => {
    const t = task(`      - id: u\n        targets: { nodes: [cp1] }\n        upload: { src: "{{ params.dir }}/snap.db", dest: "{{ node.paths.etcdDataDir }}-new/snap.db", mode: "0600", sha256: abc }\n`);
    expect(t.action).toEqual({ kind: 'upload', src: { parts: [{ t: 'lit', v: '/tmp/with space/snap.db' }] }, dest: { parts: [{ t: 'lit', v: '/var/lib/etcd-new/snap.db' }] }, mode: '0600', sha256: { parts: [{ t: 'lit', v: 'abc' }] } });
  });

  it('download', () => {
    const t = task(`      - id: d\n        targets: { nodes: [cp1] }\n        download: { src: /etc/kubernetes/pki/ca.crt, dest: "./{{ node.name }}-ca.crt" }\n`);
    expect(t.action).toEqual({ kind: 'download', src: { parts: [{ t: 'lit', v: '/etc/kubernetes/pki/ca.crt' }] }, dest: { parts: [{ t: 'lit', v: './cp1-ca.crt' }] } });
  });

  it('manifest: set flags, remove flags, repoint hostPaths, in that order', () => {
    const t = task(`      - id: m\n        targets: { nodes: [cp1] }\n        manifest:\n          file: "{{ node.paths.manifestDir }}/etcd.yaml"\n          setFlags: { --name: "{{ node.etcd.name }}" }\n          removeFlags: [--initial-cluster-state]\n          setHostPaths: { etcd-data: /var/lib/etcd-new }\n`);
    expect(t.action).toEqual({
      kind: 'manifest',
      file: { parts: [{ t: 'lit', v: '/etc/kubernetes/manifests/etcd.yaml' }] },
      edits: [
        { op: 'setFlag', flag: '--name', value: { parts: [{ t: 'lit', v: 'cp1' }] } },
        { op: 'removeFlag', flag: '--initial-cluster-state' },
        { op: 'setHostPath', volume: 'etcd-data', path: { parts: [{ t: 'lit', v: '/var/lib/etcd-new' }] } },
      ],
      sudo: false,
    });
  });

  it('wait: short form gets the defaults; long form keeps match, timeout and interval', () => {
    expect(task(`      - id: w\n        targets: { nodes: [cp1] }\n        wait: crictl ps\n`).action).toMatchObject({ kind: 'wait', timeoutMs: 300_000, intervalMs: 5_000 });
    const t = task(`      - id: w\n        targets: { nodes: [cp1] }\n        wait: { command: "etcdctl {{ etcd.tlsFlags }} endpoint health", match: healthy, timeout: 2m, interval: 500ms }\n`);
    expect(t.action).toMatchObject({ kind: 'wait', match: 'healthy', timeoutMs: 120_000, intervalMs: 500 });
    expect(t.action.kind === 'wait' && displayText(t.action.command)).toBe('etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key endpoint health');
  });

  it('capture: secret flag carried; a secret may flow into a secret capture', () => {
    const t = task(`      - id: c\n        targets: { nodes: [cp1] }\n        capture: { command: "echo {{ params.token }} | sha256sum", secret: true }\n`);
    expect(t.action).toMatchObject({ kind: 'capture', secret: true, sudo: false });
  });

  it('local and confirm run on the operator machine and may not use node values', () => {
    const plan = buildPlan(runbookWith(`      - id: l\n        local: "kubectl --context {{ cluster.name }} get nodes"\n      - id: ok\n        confirm: "Proceed on {{ cluster.name }}?"\n`), inv);
    const [l, c] = plan.phases[0]?.steps ?? [];
    expect(l?.tasks).toEqual([{ key: 'l@@local', stepId: 'l', node: '@local', action: { kind: 'local', command: { parts: [{ t: 'lit', v: 'kubectl --context t get nodes' }] } } }]);
    expect(c?.tasks[0]?.action).toEqual({ kind: 'confirm', message: { parts: [{ t: 'lit', v: 'Proceed on t?' }] } });
  });

  it('undo and check are rendered per node like the action', () => {
    const t = task(`      - id: s\n        targets: { nodes: [cp1] }\n        shell: mv a {{ node.name }}\n        undo: { shell: "mv {{ node.name }} a" }\n        check: { wait: "test -e {{ node.name }}" }\n`);
    expect(t.undo && show(t.undo)).toBe('mv cp1 a');
    expect(t.check).toMatchObject({ kind: 'wait' });
  });
});
