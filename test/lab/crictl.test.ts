// The lab's crictl: crictl.sh answers `crictl ps … -q` with awk from pods.tsv (the polled form)
// and must print exactly what crictl.js prints from pods.json for it; any other form goes to
// crictl.js. Both run here on a node dir of rows written as the lab kubelet writes them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { podsTsv } from './node/pods.js';

const run = promisify(execFile);
const NODE = fileURLToPath(new URL('./node/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kubedr-crictl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (id: string, name: string, state: string): Record<string, unknown> => ({
  id, podId: `${id}pod`, pod: `${name}-cp1`, name, image: `registry.k8s.io/${name}:1`, attempt: 0, state, pid: 1, createdAt: Date.now(), argv: [],
});
const rows = [
  row('a1b2c3d4e5f60718293a', 'etcd', 'Running'),
  row('b1b2c3d4e5f60718293a', 'kube-apiserver', 'Running'),
  row('c1b2c3d4e5f60718293a', 'kube-controller-manager', 'Running'),
  row('d1b2c3d4e5f60718293a', 'etcd', 'Exited'),
  row('e1b2c3d4e5f60718293a', 'kube-scheduler', 'Exited'),
];
writeFileSync(join(dir, 'node.json'), JSON.stringify({ nodeDir: dir }));
writeFileSync(join(dir, 'pods.json'), JSON.stringify(rows));
writeFileSync(join(dir, 'pods.tsv'), podsTsv(rows as { id: string; name: string; state: string }[]));

const env = { ...process.env, KUBEDR_LAB_NODE: join(dir, 'node.json'), LAB_NODE_BIN: process.execPath, LAB_CRICTL_JS: join(NODE, 'crictl.js') };
const viaSh = async (args: string[]): Promise<string> => (await run('/bin/sh', [join(NODE, 'crictl.sh'), ...args], { env })).stdout;
const viaJs = async (args: string[]): Promise<string> => (await run(process.execPath, [join(NODE, 'crictl.js'), ...args], { env })).stdout;

describe('crictl.sh', () => {
  it.each([
    [['ps', '-q']],
    [['ps', '-a', '-q']],
    [['ps', '--all', '--quiet']],
    [['ps', '--name', 'etcd', '-q']],
    [['ps', '--name', '^etcd$', '-q', '-a']],
    [['ps', '--name=^(etcd|kube-apiserver)$', '-q']],
    [['ps', '--name', 'kube', '-q', '--state', 'exited']],
    [['ps', '-q', '--state=running']],
    [['ps', '--name', '', '-q']],
  ])('%j: the fast path prints what crictl.js prints', async (args) => {
    const want = await viaJs(args);
    expect(await viaSh(args)).toBe(want);
  });

  it('the fast path answers from pods.tsv (a different tsv changes its answer)', async () => {
    const other = mkdtempSync(join(dir, 'other-'));
    writeFileSync(join(other, 'node.json'), JSON.stringify({ nodeDir: other }));
    writeFileSync(join(other, 'pods.json'), JSON.stringify(rows));
    writeFileSync(join(other, 'pods.tsv'), podsTsv([{ id: 'f00000000000000000', name: 'etcd', state: 'Running' }]));
    const r = await run('/bin/sh', [join(NODE, 'crictl.sh'), 'ps', '--name', '^etcd$', '-q'], { env: { ...env, KUBEDR_LAB_NODE: join(other, 'node.json') } });
    expect(r.stdout).toBe('f000000000000\n');
  });

  it.each([
    [['ps']],
    [['ps', '--name', '\\w+d$', '-q']],
    [['ps', '-o', 'json']],
    [['logs', 'nosuchid']],
  ])('%j goes to crictl.js (same output and exit code)', async (args) => {
    const settle = (p: Promise<{ stdout: string }>): Promise<unknown> => p.then((r) => ({ code: 0, out: r.stdout.replace(/\d+ seconds ago/g, 'T') }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }));
    expect(await settle(run('/bin/sh', [join(NODE, 'crictl.sh'), ...args], { env }))).toEqual(await settle(run(process.execPath, [join(NODE, 'crictl.js'), ...args], { env })));
  });
});
