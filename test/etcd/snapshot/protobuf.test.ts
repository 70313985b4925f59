import { describe, expect, it } from 'vitest';
import { readFields, readMessage, toInt64, WireError } from '../../../src/etcd/snapshot/protobuf.js';
import { varint } from './kube-proto.js';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

describe('protobuf wire reader', () => {
  it('reads multi-byte varints and length-delimited fields', () => {
    // field 1 varint 300; field 2 bytes "hi"
    const fields = [...readFields(hex('08 ac02 12 02 6869'))];
    expect(fields.map((f) => [f.no, f.wire, f.int, f.bytes.toString()])).toEqual([
      [1, 0, 300n, ''],
      [2, 2, 0n, 'hi'],
    ]);
  });

  it('decodes negative int64 (10-byte varints) and values above 2^53', () => {
    const minusOne = readMessage(hex('08 ffffffffffffffffff01')).get(1)!;
    expect(toInt64(minusOne.int)).toBe(-1n);
    const big = readMessage(Buffer.concat([hex('08'), varint(2 ** 62)])).get(1)!;
    expect(big.int).toBe(2n ** 62n);
  });

  it('skips fixed32 and fixed64 fields', () => {
    const m = readMessage(hex('0d 01000000 11 0200000000000000 18 05'));
    expect([m.get(1)?.int, m.get(2)?.int, m.get(3)?.int]).toEqual([1n, 2n, 5n]);
  });

  it.each([
    ['a truncated varint', '08 ff'],
    ['a length past the end', '12 05 6869'],
    ['a group (wire type 3)', '0b'],
    ['field number 0', '00 01'],
    ['an 11-byte varint', '08 ffffffffffffffffffff01'],
  ])('rejects %s with a WireError', (_, bytes) => {
    expect(() => [...readFields(hex(bytes))]).toThrow(WireError);
  });
});
