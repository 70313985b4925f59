// The placeManifest primitive, its node scripts run by a real sh on temp dirs standing in for the
// nodes' /etc/kubernetes: what `createOnly` (ha-restore's preflight) leaves where, against the
// plain apply after the stop.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { placeManifest } from '../../src/engine/place-manifest.js';
import type { PrimitiveIo } from '../../src/engine/primitive-io.js';
import type { NodeIdentity, PlannedPlaceManifest, RenderedText } from '../../src/model/index.js';
import { etcdManifest, type ManifestMember } from '../lab/manifests.js';
import { txt } from './support/plans.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kubedr-place-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const MEMBERS: ManifestMember[] = [{ name: 'etcd-one', address: '10.1.0.1' }, { name: 'etcd-two', address: '10.1.0.2' }];
const identity = (i: number): NodeIdentity => ({ node: `cp${i + 1}`, address: MEMBERS[i]?.address ?? '', etcdName: MEMBERS[i]?.name ?? '', peerURL: `https://${MEMBERS[i]?.address ?? ''}:2380`, clientURL: `https://${MEMBERS[i]?.address ?? ''}:2379` });
const manifests = (node: string): string => join(root, node, 'manifests');
const stash = (node: string): string => join(root, node, 'stash', 'run1');

/** Every node is a dir under `root`; commands run with sh here, stdin passed through. */
function io(said: string[]): PrimitiveIo {
  return {
    exec: (_node, command, opts) => {
      const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', input: opts.stdin ?? '' });
      const ok = r.status === 0;
      return Promise.resolve({ outcome: ok ? 'done' : 'failed', exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, raw: r.stdout, permanent: false });
    },
    upload: () => Promise.reject(new Error('no upload expected')),
    text: (t: RenderedText) => t.parts.map((p) => (p.t === 'lit' ? p.v : '')).join(''),
    say: (s) => said.push(s),
    runId: 'run1',
  };
}

function planned(node: 'cp1' | 'cp2', over: Partial<PlannedPlaceManifest>): PlannedPlaceManifest {
  const other = node === 'cp1' ? 1 : 0;
  return {
    kind: 'placeManifest', file: 'etcd.yaml', stash: txt(stash(node)), manifestDir: manifests(node), searchPath: txt(''), backupRel: `nodes/${node}/manifests/etcd.yaml`,
    target: identity(node === 'cp1' ? 0 : 1), survivors: [{ identity: identity(other), manifestDir: manifests(`cp${other + 1}`) }], mode: 'apply', sudo: false, ...over,
  };
}

describe('placeManifest createOnly (before the stop)', () => {
  beforeEach(() => {
    for (const [i, n] of ['cp1', 'cp2'].entries()) {
      mkdirSync(manifests(n), { recursive: true });
      writeFileSync(join(manifests(n), 'etcd.yaml'), etcdManifest(MEMBERS[i] as ManifestMember, MEMBERS));
    }
  });

  it('leaves a manifest that is in place where it is: nothing moved, nothing stashed', async () => {
    const said: string[] = [];
    const before = readFileSync(join(manifests('cp1'), 'etcd.yaml'), 'utf8');
    expect(await placeManifest(io(said), 'cp1', planned('cp1', { createOnly: true }))).toEqual({ ok: true });
    expect(readFileSync(join(manifests('cp1'), 'etcd.yaml'), 'utf8')).toBe(before);
    expect(existsSync(join(stash('cp1'), 'etcd.yaml'))).toBe(false);
    expect(said.join('\n')).toContain('left there');
  });

  it('creates a lost manifest in the stash, rebuilt from the survivor with this member\'s identity; the apply after the stop finds it stashed', async () => {
    rmSync(join(manifests('cp2'), 'etcd.yaml'));
    const said: string[] = [];
    expect(await placeManifest(io(said), 'cp2', planned('cp2', { createOnly: true }))).toEqual({ ok: true });
    const created = readFileSync(join(stash('cp2'), 'etcd.yaml'), 'utf8');
    expect(created).toBe(etcdManifest(MEMBERS[1] as ManifestMember, MEMBERS));
    expect(readFileSync(join(stash('cp2'), 'etcd.yaml.created'), 'utf8')).toContain('rebuilt cp1:');
    expect(existsSync(join(manifests('cp2'), 'etcd.yaml'))).toBe(false);
    // The survivor's own file was only read.
    expect(existsSync(join(manifests('cp1'), 'etcd.yaml'))).toBe(true);
    const after: string[] = [];
    expect(await placeManifest(io(after), 'cp2', planned('cp2', {}))).toEqual({ ok: true });
    expect(after.join('\n')).toContain('already stashed');
    expect(readFileSync(join(stash('cp2'), 'etcd.yaml'), 'utf8')).toBe(created);
  });

  it('without createOnly the apply moves a manifest in place into the stash (the stop)', async () => {
    const said: string[] = [];
    expect(await placeManifest(io(said), 'cp1', planned('cp1', {}))).toEqual({ ok: true });
    expect(existsSync(join(manifests('cp1'), 'etcd.yaml'))).toBe(false);
    expect(existsSync(join(stash('cp1'), 'etcd.yaml'))).toBe(true);
    expect(readFileSync(join(stash('cp1'), 'etcd.yaml.from'), 'utf8').trim()).toBe(manifests('cp1'));
  });
});
