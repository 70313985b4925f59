import { describe, expect, it } from 'vitest';
import { canonicalJson, closest, formatDuration, parseDuration, parseYaml, validateSchema } from '../../src/schema/index.js';

describe('parseYaml', () => {
  it('reports syntax errors and duplicate keys with positions instead of throwing', () => {
    const r = parseYaml('a: 1\nb: [1, 2\n', 'x.yaml');
    expect(r.value).toBeUndefined();
    expect(r.problems[0]).toMatchObject({ code: 'YAML_SYNTAX', severity: 'error', pos: { file: 'x.yaml' } });
    expect(parseYaml('a: 1\na: 2\n', 'd.yaml').problems).toMatchObject([{ code: 'YAML_DUPLICATE_KEY', pos: { line: 2, col: 1 } }]);
  });

  it('supports anchors and merge keys', () => {
    const r = parseYaml('base: &b { user: root, port: 22 }\nnode:\n  <<: *b\n  port: 2222\n', 'm.yaml');
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({ base: { user: 'root', port: 22 }, node: { user: 'root', port: 2222 } });
  });

  it('locates values, keys and text inside values', () => {
    const r = parseYaml('top:\n  list:\n    - x\n    - { k: "echo {{ v }}" }\n', 'l.yaml');
    expect(r.locate(['top', 'list', 1, 'k'])).toEqual({ file: 'l.yaml', line: 4, col: 12 });
    expect(r.locate(['top', 'list', 1, 'k'], { key: true })).toEqual({ file: 'l.yaml', line: 4, col: 9 });
    expect(r.locate(['top', 'list', 1], { needle: '{{ v }}' })).toEqual({ file: 'l.yaml', line: 4, col: 18 });
    expect(r.locate(['top', 'missing', 3])).toEqual({ file: 'l.yaml', line: 2, col: 3 });
  });
});

describe('validateSchema', () => {
  it('suggests the field an unknown one was probably meant to be', () => {
    const r = parseYaml('apiVersion: kubedr.io/v1alpha1\nkind: Inventory\nclustr: { name: x }\nnodes: [{ name: a, address: b }]\n', 'i.yaml');
    const problems = validateSchema('inventory', r.value, r.locate);
    expect(problems.map((p) => [p.code, p.pos?.line, p.pos?.col])).toEqual([
      ['INVENTORY_MISSING_FIELD', 1, 1],
      ['INVENTORY_UNKNOWN_FIELD', 3, 1],
    ]);
    expect(problems[1]?.hint).toMatch(/^did you mean "cluster"\?/);
  });
});

describe('helpers', () => {
  it('parses and formats durations', () => {
    expect(['500ms', '10s', '5m', '1h', 250].map((d) => parseDuration(d, 0))).toEqual([500, 10_000, 300_000, 3_600_000, 250]);
    expect(parseDuration(undefined, 7)).toBe(7);
    expect(formatDuration(3_690_000)).toBe('1h1m30s');
    expect(formatDuration(500)).toBe('500ms');
  });

  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: 2 }] } })).toBe('{"a":{"c":[2,{"y":2,"z":1}]},"b":1}');
  });

  it('closest finds near misses only', () => {
    expect(closest('shel', ['shell', 'wait'])).toBe('shell');
    expect(closest('xyz', ['shell', 'wait'])).toBeUndefined();
  });
});
