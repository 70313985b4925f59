import { describe, expect, it } from 'vitest';
import { Crc32c } from '../../../src/etcd/snapshot/crc32c.js';

describe('Crc32c', () => {
  it('matches the standard check value', () => {
    expect(new Crc32c().update(Buffer.from('123456789')).digest()).toBe(0xe3069283);
  });

  it('gives the same result for any split and alignment of the input', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff));
    const whole = new Crc32c().update(data).digest();
    for (const offset of [1, 2, 3, 5, 8]) {
      const shifted = Buffer.alloc(data.length + offset);
      data.copy(shifted, offset);
      const view = shifted.subarray(offset);
      expect(new Crc32c().update(view.subarray(0, 333)).update(view.subarray(333)).digest()).toBe(whole);
    }
  });
});
