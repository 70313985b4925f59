// Issue 4 acceptance through the real CLI against the lab (3 control planes + 2 workers):
// end-to-end run with an audit grid, a secret join token that never leaks, an injection corpus
// that runs nothing, the run lock naming its holder, host-key refusals, and audit --verify.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/model/index.js';
import { changeHostKey } from '../lab/index.js';
import { runOk } from '../lab/proc.js';
import { useLab } from '../lab/vitest.js';
import { cli, cliHere, runbook, startCli, tempDir, writeInventory, runIdOf } from './support.js';

const env = useLab({ controlPlanes: 3, workers: 2 });
const NODES = ['cp1', 'cp2', 'cp3', 'w1', 'w2'];
let dir = '';
let inventory = '';

beforeAll(() => {
  dir = tempDir('run');
  inventory = writeInventory(env.lab, dir, 'inventory');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Every bootstrap token the lab's kubeadm stored in etcd: `id.secret` and the secret alone. */
async function bootstrapTokens(): Promise<{ id: string; secret: string }[]> {
  const { lab } = env;
  return (await lab.etcd.rangePrefix(lab.clientURL('cp1'), '/registry/secrets/kube-system/bootstrap-token-')).map((kv) => {
    const s = JSON.parse(kv.value) as { stringData?: Record<string, string>; data?: Record<string, string> };
    const id = s.stringData?.['token-id'] ?? Buffer.from(s.data?.['token-id'] ?? '', 'base64').toString();
    const secret = s.stringData?.['token-secret'] ?? Buffer.from(s.data?.['token-secret'] ?? '', 'base64').toString();
    return { id, secret };
  });
}

describe('kubedr run, end to end', () => {
  const secretParam = `x-e2e-secret-${randomBytes(8).toString('hex')}`;
  let first: { runId: string; stdout: string; stderr: string; stateDir: string } | undefined;

  it('runs a runbook on 3 control planes and 2 workers; audit shows every (step, node) with exit code and duration', async () => {
    const stateDir = join(dir, 'state-e2e');
    const r = await cli(['run', '-r', runbook('all-nodes'), '-i', inventory, '--state-dir', stateDir, '--param-from-env', 'e2eSecret=E2E_SECRET', '--yes', '--output', 'json'], { env: { E2E_SECRET: secretParam } });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(0);
    const runId = runIdOf(r.events);
    first = { runId, stdout: r.stdout, stderr: r.stderr, stateDir };
    const expected = [
      ...NODES.map((n) => `whoami@${n}`), ...NODES.map((n) => `record@${n}`), 'join-command@cp1', 'use-token@w1', 'use-token@w2',
    ];
    const ends = r.events.filter((e): e is Extract<RunEvent, { kind: 'task-end' }> => e.kind === 'task-end');
    expect(ends.map((e) => `${e.stepId}@${e.node}`).sort()).toEqual([...expected].sort());
    expect(ends.every((e) => e.outcome === 'done' && e.exitCode === 0)).toBe(true);
    // The steps really ran on each node (hostname check inside the step), and the join worked.
    for (const n of NODES) expect((await env.lab.exec(n, 'cat /var/lib/kubedr-e2e/record')).stdout).toBe(`e2e-${runId}\n`);
    for (const w of ['w1', 'w2']) {
      expect((await env.lab.exec(w, 'test -f /var/lib/kubelet/kubedr-lab-joined.json && test -f /var/lib/kubedr-e2e/secret-seen && echo ok')).stdout.trim()).toBe('ok');
    }

    const audit = await cliHere(['audit', runId, '--state-dir', stateDir, '--output', 'json']);
    expect(audit.code, audit.stderr).toBe(0);
    const grid = JSON.parse(audit.stdout) as { verified: { ok: boolean }; steps: { stepId: string; cells: { node: string; state: string; exitCode: number | null; durationMs: number | null }[] }[] };
    expect(grid.verified.ok).toBe(true);
    const cells = grid.steps.flatMap((s) => s.cells.map((c) => ({ key: `${s.stepId}@${c.node}`, ...c })));
    expect(cells.map((c) => c.key).sort()).toEqual([...expected].sort());
    for (const c of cells) {
      expect(c.state, c.key).toBe('done');
      expect(c.exitCode, c.key).toBe(0);
      expect(typeof c.durationMs, c.key).toBe('number');
    }
    const text = await cliHere(['audit', runId, '--state-dir', stateDir]);
    expect(text.code).toBe(0);
    for (const n of NODES) expect(text.stdout).toContain(n);
    expect(text.stdout).toMatch(/verified/);
    expect(readdirSync(join(stateDir, 'runs', runId))).toEqual(expect.arrayContaining(['audit.jsonl', 'journal.jsonl', 'plan.json', 'report.html']));
    const runs = await cliHere(['runs', '--state-dir', stateDir]);
    expect(runs.stdout).toContain(runId);
  });

  it('the captured join token and the secret param appear in no journal, audit record, report, console output or error', async () => {
    if (!first) throw new Error('needs the end-to-end run');
    const tokens = await bootstrapTokens();
    expect(tokens.length).toBeGreaterThan(0);
    const needles = [...tokens.flatMap((t) => [`${t.id}.${t.secret}`, t.secret]), secretParam];
    const runDir = join(first.stateDir, 'runs', first.runId);
    const haystacks: Record<string, string> = { stdout: first.stdout, stderr: first.stderr };
    for (const f of readdirSync(runDir)) haystacks[f] = readFileSync(join(runDir, f), 'utf8');
    for (const args of [['audit', first.runId], ['audit', first.runId, '--output', 'json'], ['audit', first.runId, '--verify'], ['runs']]) {
      const r = await cliHere([...args, '--state-dir', first.stateDir]);
      haystacks[args.join(' ')] = r.stdout + r.stderr;
    }
    // An error path: resume of a finished run with a changed param must refuse without echoing anything secret.
    const refused = await cliHere(['resume', first.runId, '--state-dir', first.stateDir, '--param', 'marker=changed', '--param-from-env', 'e2eSecret=E2E_SECRET', '--yes'], { E2E_SECRET: secretParam });
    expect(refused.code).toBe(2);
    haystacks['refused resume'] = refused.stdout + refused.stderr;
    expect(Object.keys(haystacks)).toEqual(expect.arrayContaining(['journal.jsonl', 'audit.jsonl', 'report.html', 'plan.json']));
    for (const [name, text] of Object.entries(haystacks)) {
      for (const needle of needles) expect(text.includes(needle), `${name} contains a secret`).toBe(false);
    }
    // The join command did pass through the engine: the journal says its capture was withheld.
    expect(haystacks['journal.jsonl']).toMatch(/"captureWithheld":true/);
  });

  it('a failing command that prints the token: the error, console, journal and audit still never show it', async () => {
    const stateDir = join(dir, 'state-token-error');
    const r = await cliHere(['run', '-r', runbook('token-error'), '-i', inventory, '--state-dir', stateDir, '--yes', '--rollback', 'never']);
    expect(r.code).toBe(1);
    // The command did fail on the token: its stderr (redacted) reached the console.
    // The whole captured join command is the secret: the command line echoed back shows only the mask.
    expect(r.stdout).toMatch(/misuse@w1 ! .*unsupported command "bogus \[REDACTED\]"/);
    const runId = /run (\S+)/.exec(r.stderr)?.[1] ?? '';
    const runDir = join(stateDir, 'runs', runId);
    const texts = [r.stdout, r.stderr, ...readdirSync(runDir).map((f) => readFileSync(join(runDir, f), 'utf8'))];
    const journal = readFileSync(join(runDir, 'journal.jsonl'), 'utf8');
    expect(journal).toMatch(/"key":"misuse@w1","outcome":"failed","exitCode":1/);
    const tokens = await bootstrapTokens();
    for (const t of tokens) for (const text of texts) expect(text).not.toContain(t.secret);
  });

  it('kubedr audit --verify passes, then fails once one byte of the audit log is changed', async () => {
    if (!first) throw new Error('needs the end-to-end run');
    const ok = await cliHere(['audit', first.runId, '--verify', '--state-dir', first.stateDir]);
    expect(ok.code, ok.stderr).toBe(0);
    const copy = join(dir, 'state-tampered');
    cpSync(first.stateDir, copy, { recursive: true });
    const log = join(copy, 'runs', first.runId, 'audit.jsonl');
    const bytes = readFileSync(log);
    const at = bytes.indexOf('"durationMs":') + '"durationMs":'.length;
    bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31; // one digit of one duration
    writeFileSync(log, bytes);
    const bad = await cliHere(['audit', first.runId, '--verify', '--state-dir', copy]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/NOT verified.*line \d+/);
  });
});

describe('refusals', () => {
  it('a second run on the same inventory while one holds the lock exits 2 and names the holder', async () => {
    const stateDir = join(dir, 'state-lock');
    const a = startCli(['run', '-r', runbook('hold'), '-i', inventory, '--state-dir', stateDir, '--yes', '--output', 'json']);
    const started = await a.waitEvent((e) => e.kind === 'task-start');
    const runId = runIdOf(a.events);
    const b = await cliHere(['run', '-r', runbook('all-nodes'), '-i', inventory, '--state-dir', stateDir, '--param-from-env', 'e2eSecret=E2E_SECRET', '--yes'], { E2E_SECRET: 'x-e2e-secret-unused' });
    expect(started.kind).toBe('task-start');
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('RUN_LOCKED');
    expect(b.stderr).toContain(`pid ${a.child.pid}`);
    expect(b.stderr).toContain(`run ${runId}`);
    expect(b.stderr).toMatch(/kubedr unlock --force \S+/);
    await env.lab.exec('cp1', `mkdir -p /var/lib/kubedr-e2e && touch /var/lib/kubedr-e2e/release-${runId}`);
    const ra = await a.done;
    expect(ra.code, ra.stderr).toBe(0);
    // Nothing of the refused run exists: one run directory, the holder's.
    expect(readdirSync(join(stateDir, 'runs'))).toEqual([runId]);
  });

  it('unknown host keys are refused (exit 2, every node and its fingerprint named) unless --accept-new-host-keys', async () => {
    const { lab } = env;
    const known = join(dir, 'known_hosts_empty');
    writeFileSync(known, '');
    const inv = writeInventory(lab, dir, 'inventory-unknown-keys', { knownHostsFile: known });
    const stateDir = join(dir, 'state-keys');
    const refused = await cliHere(['run', '-r', runbook('hostname'), '-i', inv, '--state-dir', stateDir, '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('TRANSPORT_HOST_KEY_UNKNOWN');
    for (const n of NODES) {
      const fp = (await runOk('ssh-keygen', ['-lf', join(lab.node(n).dirs.root, 'ssh_host_ed25519_key.pub')])).split(' ')[1] ?? '';
      expect(refused.stderr).toContain(`${n}: unknown host key ${fp}`);
    }
    expect(refused.stderr).toContain('--accept-new-host-keys');
    expect(() => readdirSync(join(stateDir, 'runs'))).toThrow(); // nothing executed, no run recorded
    const accepted = await cliHere(['run', '-r', runbook('hostname'), '-i', inv, '--state-dir', stateDir, '--yes', '--accept-new-host-keys']);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(readFileSync(known, 'utf8').trim().split('\n')).toHaveLength(NODES.length);
    const again = await cliHere(['run', '-r', runbook('hostname'), '-i', inv, '--state-dir', stateDir, '--yes']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a changed host key is refused even with --accept-new-host-keys; the message names the node and both fingerprints', async () => {
    const { lab } = env;
    const pub = join(lab.node('cp2').dirs.root, 'ssh_host_ed25519_key.pub');
    const before = (await runOk('ssh-keygen', ['-lf', pub])).split(' ')[1] ?? '';
    const restore = await changeHostKey(lab, 'cp2');
    try {
      const after = (await runOk('ssh-keygen', ['-lf', pub])).split(' ')[1] ?? '';
      expect(after).not.toBe(before);
      const r = await cliHere(['run', '-r', runbook('hostname'), '-i', inventory, '--state-dir', join(dir, 'state-changed'), '--yes', '--accept-new-host-keys']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('TRANSPORT_HOST_KEY_CHANGED');
      expect(r.stderr).toMatch(new RegExp(`cp2: HOST KEY CHANGED.*known ${before.replace(/[+/]/g, '\\$&')}.*presented ${after.replace(/[+/]/g, '\\$&')}`));
      expect(r.stderr).not.toMatch(/cp1: |cp3: |w1: |w2: /);
    } finally {
      restore();
    }
  });
});

describe('injection corpus', () => {
  // Each payload would create /tmp/kubedr-pwned-<n> (or under /var/lib, /root) if a shell ever
  // interpreted it; every one must arrive on the node as the exact bytes written here.
  const P = (n: number): string => `/tmp/kubedr-pwned-${n}`;
  const payloads = [
    `$(touch ${P(1)})`, `; touch ${P(2)}`, `\`touch ${P(3)}\``, `'; touch ${P(4)}; '`, `"; touch ${P(5)}; "`,
    `x\ntouch ${P(6)}`, `$(touch\${IFS}${P(7)})`, `| touch ${P(8)}`, `&& touch ${P(9)}`, `> ${P(10)}`,
    `$((0))$(touch ${P(11)})`, `\\'$(touch ${P(12)})`, `%s$(touch ${P(13)})%n`, `<(touch ${P(14)})`,
    `x' '$(touch ${P(15)})' 'y`, `\\\n; touch ${P(16)} #`, `}}{{ touch ${P(17)} }}`, `-e $(touch /root/kubedr-pwned-18) \t ünï ~ * $HOME`,
    `a;touch ${P(19)}`, '$(touch /var/lib/kubedr-pwned-20)', `\`touch ${P(21)}\`;'"`, `'"$(touch ${P(22)})"'`,
    `$(touch ${P(23)}); touch ${P(23)}b`, `x\r\n$(touch ${P(24)})\n`,
  ];

  it(`${payloads.length} values with shell metacharacters in node vars, labels, cluster vars and params create no file and arrive verbatim`, async () => {
    const { lab } = env;
    const q = (s: string): string => JSON.stringify(s);
    const nodeVars = payloads.slice(0, 18).map((p, i) => `p${String(i + 1).padStart(2, '0')}: ${q(p)}`).join(', ');
    const inv = writeInventory(lab, dir, 'inventory-inject', {
      nodeExtra: () => `vars: { ${nodeVars} }\nlabels: { l1: ${q(payloads[18] ?? '')}, l2: ${q(payloads[19] ?? '')} }`,
      top: `vars: { g1: ${q(payloads[20] ?? '')}, g2: ${q(payloads[21] ?? '')} }`,
    });
    const outDir = join(dir, 'inject-out');
    mkdirSync(outDir);
    const r = await cliHere(['run', '-r', runbook('inject'), '-i', inv, '--state-dir', join(dir, 'state-inject'), '--yes',
      '--param', `q1=${payloads[22] ?? ''}`, '--param', `q2=${payloads[23] ?? ''}`, '--param', `outDir=${outDir}`]);
    expect(r.code, r.stderr).toBe(0);
    for (const n of NODES) {
      const out = readFileSync(lab.hostPath(n, '/var/lib/kubedr-inject.out'), 'utf8');
      expect(out.split('\0').slice(0, -1)).toEqual(payloads);
      const found = await lab.exec(n, 'ls -d /tmp/kubedr-pwned* /var/lib/kubedr-pwned* /root/kubedr-pwned* /kubedr-pwned* 2>/dev/null; true');
      expect(found.stdout, `marker files on ${n}`).toBe('');
    }
    expect(readFileSync(join(outDir, 'local.out'), 'utf8').split('\0').slice(0, -1)).toEqual([payloads[22], payloads[23], payloads[20], payloads[21]]);
    const host = readdirSync('/tmp').filter((f) => f.startsWith('kubedr-pwned'));
    expect(host).toEqual([]);
  });
});
