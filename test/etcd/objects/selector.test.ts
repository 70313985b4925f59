import { describe, expect, it } from 'vitest';
import { parseObjectKey, parseSelection, storagePrefix, ObjectsError } from '../../../src/etcd/objects/index.js';

const keys = [
  '/registry/configmaps/prod/app-1', '/registry/configmaps/prod/app-2', '/registry/configmaps/prod/db', '/registry/configmaps/prod2/app-1',
  '/registry/configmaps/dev/app-1', '/registry/namespaces/prod', '/registry/namespaces/dev', '/registry/pods/prod/web-0',
  '/registry/example.com/widgets/prod/w-1', '/registry/services/specs/prod/api', '/registry/services/endpoints/prod/api',
  '/registry/clusterroles/system:node', 'compact_rev_key',
];
const pick = (input: Parameters<typeof parseSelection>[0]): string[] => {
  const s = parseSelection(input);
  return keys.filter((k) => s.matches(k));
};

describe('object keys', () => {
  it('splits keys into kubectl resource names, namespace and name', () => {
    expect(parseObjectKey('/registry/configmaps/prod/a')).toEqual({ key: '/registry/configmaps/prod/a', resource: 'configmaps', rest: ['prod', 'a'], namespace: 'prod', name: 'a' });
    expect(parseObjectKey('/registry/namespaces/prod')).toMatchObject({ resource: 'namespaces', name: 'prod' });
    expect(parseObjectKey('/registry/namespaces/prod').namespace).toBeUndefined();
    expect(parseObjectKey('/registry/example.com/widgets/shop/w-1')).toMatchObject({ resource: 'widgets.example.com', namespace: 'shop', name: 'w-1' });
    expect(parseObjectKey('/registry/services/specs/prod/api')).toMatchObject({ resource: 'services', namespace: 'prod', name: 'api' });
    expect(parseObjectKey('/registry/services/endpoints/prod/api')).toMatchObject({ resource: 'endpoints', namespace: 'prod' });
    expect(parseObjectKey('compact_rev_key')).toMatchObject({ resource: '' });
    expect(storagePrefix('widgets.example.com')).toBe('/registry/example.com/widgets/');
    expect(storagePrefix('services')).toBe('/registry/services/specs/');
  });
});

describe('selections', () => {
  it('RESOURCE, RESOURCE/NAMESPACE and RESOURCE/NAMESPACE/NAME with globs', () => {
    expect(pick({ selectors: ['configmaps/prod/app-*'] })).toEqual(['/registry/configmaps/prod/app-1', '/registry/configmaps/prod/app-2']);
    expect(pick({ selectors: ['configmaps/prod'] })).toEqual(['/registry/configmaps/prod/app-1', '/registry/configmaps/prod/app-2', '/registry/configmaps/prod/db']);
    expect(pick({ selectors: ['configmaps/*/app-?'] })).toEqual(['/registry/configmaps/prod/app-1', '/registry/configmaps/prod/app-2', '/registry/configmaps/prod2/app-1', '/registry/configmaps/dev/app-1']);
    expect(pick({ selectors: ['namespaces/prod'] })).toEqual(['/registry/namespaces/prod']);
    expect(pick({ selectors: ['widgets.example.com/prod/w-1'] })).toEqual(['/registry/example.com/widgets/prod/w-1']);
    expect(pick({ selectors: ['services/prod/api'] })).toEqual(['/registry/services/specs/prod/api']);
    expect(pick({ selectors: ['clusterroles/system:node'] })).toEqual(['/registry/clusterroles/system:node']);
  });

  it('--namespace-contents: the namespace and everything in it, not in a namespace with a longer name', () => {
    expect(pick({ selectors: ['namespaces/prod'], namespaceContents: true })).toEqual([
      '/registry/configmaps/prod/app-1', '/registry/configmaps/prod/app-2', '/registry/configmaps/prod/db', '/registry/namespaces/prod', '/registry/pods/prod/web-0',
      '/registry/example.com/widgets/prod/w-1', '/registry/services/specs/prod/api', '/registry/services/endpoints/prod/api',
    ]);
  });

  it('reads the narrowest live prefixes that hold the selection', () => {
    expect(parseSelection({ selectors: ['configmaps/prod/app-*', 'configmaps/prod/db'] }).readPrefixes).toEqual(['/registry/configmaps/prod/app-', '/registry/configmaps/prod/db']);
    expect(parseSelection({ selectors: ['configmaps/prod', 'configmaps'] }).readPrefixes).toEqual(['/registry/configmaps/']);
    expect(parseSelection({ selectors: ['*/prod'] }).readPrefixes).toEqual(['/registry/']);
    expect(parseSelection({ prefixes: ['/registry/pods/prod/'] }).readPrefixes).toEqual(['/registry/pods/prod/']);
  });

  it.each([
    ['/registry/configmaps/x', /a selector names a resource, not a key/],
    ['configmaps//x', /segment 2 is empty/],
    ['configmaps/a/b/c', /4 segments; at most 3/],
    ['ConfigMaps', /not a lower-case resource name/],
    ['configmaps/prod/a b', /holds a character/],
    ["configmaps/prod/$(touch x)", /holds a character/],
  ])('rejects the selector %j with a code and a fix (exit 2)', (sel, why) => {
    let err: unknown;
    try {
      parseSelection({ selectors: [sel] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ObjectsError);
    expect(err).toMatchObject({ code: 'OBJECTS_BAD_SELECTOR', exitCode: 2, message: expect.stringMatching(why) as string, hint: expect.stringContaining('RESOURCE[/NAMESPACE[/NAME]]') as string });
  });

  it('rejects empty selections, the whole registry and prefixes outside it unless allowed', () => {
    expect(() => parseSelection({})).toThrow(expect.objectContaining({ code: 'OBJECTS_NO_SELECTION', exitCode: 2 }));
    expect(() => parseSelection({ prefixes: ['/registry/'] })).toThrow(expect.objectContaining({ code: 'OBJECTS_BAD_PREFIX' }));
    expect(() => parseSelection({ prefixes: ['/other/'] })).toThrow(expect.objectContaining({ code: 'OBJECTS_PREFIX_OUTSIDE_REGISTRY', hint: expect.stringContaining('--allow-outside-registry') as string }));
    expect(parseSelection({ prefixes: ['/other/'], allowOutsideRegistry: true }).matches('/other/x')).toBe(true);
    expect(() => parseSelection({ selectors: ['configmaps/prod'], namespaceContents: true })).toThrow(expect.objectContaining({ code: 'OBJECTS_BAD_SELECTOR' }));
    expect(parseSelection({ emptyMeansAll: true }).matches('anything')).toBe(true);
  });
});
