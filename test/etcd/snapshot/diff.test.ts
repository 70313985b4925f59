import { describe, expect, it } from 'vitest';
import { diffSnapshots } from '../../../src/app/snapshot.js';
import { diffKeyspaces, renderDiff, type LiveKey } from '../../../src/etcd/snapshot/index.js';
import { fixturePath } from './fixtures.js';

describe('snapshot diff', () => {
  it('finds the keys added, removed and changed between two real snapshots', () => {
    const d = diffSnapshots(fixturePath('cluster-a'), fixturePath('cluster-b'));
    expect(d.totals).toEqual({ added: 2, removed: 1, changed: 2, unchanged: 56 });
    expect(d.resources).toEqual({
      configmaps: { added: [], removed: ['/registry/configmaps/kube-system/cm-3'], changed: [] },
      // w-2 was rewritten with identical bytes: a new revision, but no change.
      'example.com/widgets': { added: [], removed: [], changed: ['/registry/example.com/widgets/shop/w-1'] },
      namespaces: { added: ['/registry/namespaces/extra'], removed: [], changed: [] },
      pods: { added: ['/registry/pods/default/new-1'], removed: [], changed: ['/registry/pods/default/web-0'] },
    });
  });

  it('is symmetric: B to A swaps added and removed', () => {
    const d = diffSnapshots(fixturePath('cluster-b'), fixturePath('cluster-a'));
    expect(d.totals).toEqual({ added: 1, removed: 2, changed: 2, unchanged: 56 });
  });

  it('renders the per-resource listing', () => {
    const key = (digest: string): LiveKey => ({ createRevision: 1, modRevision: 1, version: 1, valueSize: 1, digest });
    const before = new Map([['/registry/pods/a/x', key('1')], ['/registry/pods/a/y', key('1')]]);
    const after = new Map([['/registry/pods/a/x', key('2')], ['/registry/apps.io/things/z', key('1')]]);
    expect(renderDiff('a.db', 'b.db', diffKeyspaces(before, after))).toMatchInlineSnapshot(`
      "diff a.db -> b.db: 1 added, 1 removed, 1 changed, 0 unchanged

      apps.io/things: +1 -0 ~0
        + /registry/apps.io/things/z

      pods: +0 -1 ~1
        - /registry/pods/a/y
        ~ /registry/pods/a/x
      "
    `);
  });
});
