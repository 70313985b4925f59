import { describe, expect, it } from 'vitest';
import { batchWrites, goQuote, parseTxnResults, txnStdin, txnText, type GuardedWrite } from '../../../src/etcd/objects/index.js';

/** Go's strconv.Unquote for the escapes goQuote emits (the real etcdctl is exercised on the lab). */
function goUnquote(s: string): Buffer {
  expect(s.startsWith('"') && s.endsWith('"')).toBe(true);
  const out: number[] = [];
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      out.push(c.charCodeAt(0));
      continue;
    }
    const n = s[++i];
    if (n === 'x') {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push((n as string).charCodeAt(0));
  }
  return Buffer.from(out);
}

describe('etcdctl txn text', () => {
  it('quotes every byte so that it unquotes to the same bytes, in printable ASCII', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const q = goQuote(all);
    expect(/^[\x20-\x7e]*$/.test(q)).toBe(true);
    expect(goUnquote(q).equals(all)).toBe(true);
    expect(goQuote('a"b\\c\n')).toBe('"a\\"b\\\\c\\x0a"');
  });

  it('guards each write on the mod revision the diff saw (0 = absent) or on the exact value', () => {
    const w: GuardedWrite[] = [
      { write: { op: 'put', key: '/registry/a', value: Buffer.from('k8s\0x') }, guard: { modRevision: 0 } },
      { write: { op: 'delete', key: '/registry/b' }, guard: { modRevision: 42 } },
      { write: { op: 'put', key: '/registry/c', value: Buffer.from('-v') }, guard: { value: Buffer.from('old') } },
    ];
    expect(txnText(w)).toBe([
      'mod("/registry/a") = "0"', 'mod("/registry/b") = "42"', 'val("/registry/c") = "old"', '',
      'put -- "/registry/a" "k8s\\x00x"', 'del -- "/registry/b"', 'put -- "/registry/c" "-v"', '', '', '',
    ].join('\n'));
    // One base64 line per transaction: no newline or quote of the text reaches the shell.
    expect(txnStdin([txnText(w)])).toMatch(/^[A-Za-z0-9+/=]+\n$/);
  });

  it('batches by count and by request bytes', () => {
    const w = (n: number): GuardedWrite => ({ write: { op: 'put', key: `/registry/k${n}`, value: Buffer.alloc(300_000) }, guard: { modRevision: 0 } });
    expect(batchWrites(Array.from({ length: 130 }, (_, i) => ({ write: { op: 'delete', key: `/k${i}` }, guard: { modRevision: 1 } }))).map((b) => b.length)).toEqual([64, 64, 2]);
    expect(batchWrites([w(1), w(2), w(3), w(4)]).map((b) => b.length)).toEqual([3, 1]);
  });

  it('reads one result per transaction; succeeded is absent from etcdctl JSON when false', () => {
    const out = [
      '0\t{"header":{"revision":7},"succeeded":true,"responses":[]}',
      '0\t{"header":{"revision":7}}',
      '1\t',
    ].join('\n');
    expect(parseTxnResults(out, 4)).toEqual([
      { exitCode: 0, succeeded: true, revision: 7 },
      { exitCode: 0, succeeded: false, revision: 7 },
      { exitCode: 1, succeeded: false, revision: 0 },
      { exitCode: -1, succeeded: false, revision: 0 },
    ]);
  });
});
