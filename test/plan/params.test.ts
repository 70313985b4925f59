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
});
