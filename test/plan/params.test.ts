import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../src/model/index.js';
import { parseParamFlags, resolveParams } from '../../src/plan/params.js';

const specs: ParamSpec[] = [
  { name: 'n', type: 'int', required: false, default: 3 },
  { name: 'go', type: 'bool', required: false },
  { name: 'snap', type: 'path', required: true },
  { name: 'token', type: 'secret', required: true },
];
const codes = (given: Record<string, string>) => resolveParams(specs, given).problems.map((p) => p.code);

describe('params', () => {
  it('splits name=value on the first "=" and rejects flags without one', () => {
    expect(parseParamFlags(['a=b=c', 'x='])).toEqual({ given: { a: 'b=c', x: '' }, problems: [] });
    expect(parseParamFlags(['novalue']).problems[0]?.code).toBe('PARAM_BAD_FLAG');
  });

  it('converts to the declared type and applies defaults', () => {
    expect(resolveParams(specs, { n: '5', go: 'true', snap: '/b.db' })).toEqual({ values: { n: 5, go: true, snap: '/b.db' }, problems: [] });
    expect(resolveParams(specs, { snap: '/b.db' }).values).toEqual({ n: 3, snap: '/b.db' });
  });

  it('reports type errors, unknown and missing params; required secrets are left to run time', () => {
    expect(codes({ n: 'three', go: 'yes', snap: '/b' })).toEqual(['PARAM_TYPE', 'PARAM_TYPE']);
    expect(codes({ snp: '/b' })).toEqual(['PARAM_UNKNOWN', 'PARAM_MISSING']);
  });

  it('refuses secrets on the command line', () => {
    expect(codes({ snap: '/b', token: 'hunter2' })).toEqual(['PARAM_SECRET_ON_CLI']);
    expect(JSON.stringify(resolveParams(specs, { snap: '/b', token: 'hunter2' }))).not.toContain('hunter2');
  });

  it('looks a param\'s position up only for a problem about it (finding one can mean parsing the runbook again)', () => {
    const asked: string[] = [];
    const posOf = (name: string) => {
      asked.push(name);
      return { file: 'rb.yaml', line: 7, col: 5 };
    };
    expect(resolveParams(specs, { n: '5', snap: '/b.db' }, posOf).problems).toEqual([]);
    expect(asked).toEqual([]);
    const missing = resolveParams(specs, { n: 'five' }, posOf).problems;
    expect(missing.map((p) => `${p.code} ${p.pos?.file ?? ''}:${p.pos?.line ?? ''}`)).toEqual(['PARAM_TYPE rb.yaml:7', 'PARAM_MISSING rb.yaml:7']);
    expect(asked).toEqual(['n', 'snap']);
  });
});
