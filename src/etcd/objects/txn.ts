// etcd transactions as `etcdctl txn` reads them on stdin (compares, blank line, success ops,
// blank line, failure ops, blank line). Keys and values are written as Go double-quoted strings
// with every byte outside printable ASCII as \xNN, which etcdctl unquotes (strconv) back to the
// exact bytes: NUL, newlines and quotes survive, and the text itself is plain ASCII. The text
// travels base64-encoded on the command's stdin, one transaction per line, never through argv
// or a shell word (it may hold a Secret's bytes).
export type Write =
  | { op: 'put'; key: string; value: Buffer }
  | { op: 'delete'; key: string };

/** What the live key must still be for the write to happen. */
export type Guard =
  /** Its mod revision (0: the key must be absent). */
  | { modRevision: number }
  /** Its exact value (used when the revision is not known, e.g. after a crash). */
  | { value: Buffer };

export interface GuardedWrite {
  write: Write;
  guard: Guard;
}

/** A Go string literal of `bytes` that strconv.Unquote turns back into exactly those bytes. */
export function goQuote(bytes: Buffer | string): string {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  let out = '"';
  for (const c of b) {
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

function compareLine(key: string, guard: Guard): string {
  return 'modRevision' in guard ? `mod(${goQuote(key)}) = "${guard.modRevision}"` : `val(${goQuote(key)}) = ${goQuote(guard.value)}`;
}

function opLine(w: Write): string {
  // `--`: a key or value starting with "-" must not be parsed as a flag of put/del.
  return w.op === 'put' ? `put -- ${goQuote(w.key)} ${goQuote(w.value)}` : `del -- ${goQuote(w.key)}`;
}

/** One all-or-nothing transaction: every guard holds, then every write happens. */
export function txnText(writes: readonly GuardedWrite[]): string {
  return `${writes.map((w) => compareLine(w.write.key, w.guard)).join('\n')}\n\n${writes.map((w) => opLine(w.write)).join('\n')}\n\n\n`;
}

/** Bytes a write adds to etcd's request (the 1.5 MiB request limit applies to the raw bytes). */
export function writeBytes(w: GuardedWrite): number {
  const guard = 'value' in w.guard ? w.guard.value.length : 8;
  return Buffer.byteLength(w.write.key) * 2 + guard + (w.write.op === 'put' ? w.write.value.length : 0) + 32;
}

/** Splits writes into transactions of at most `maxOps` writes and `maxBytes` request bytes. */
export function batchWrites(writes: readonly GuardedWrite[], maxOps = 64, maxBytes = 1_000_000): GuardedWrite[][] {
  const batches: GuardedWrite[][] = [];
  let cur: GuardedWrite[] = [];
  let bytes = 0;
  for (const w of writes) {
    const n = writeBytes(w);
    if (cur.length > 0 && (cur.length >= maxOps || bytes + n > maxBytes)) {
      batches.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(w);
    bytes += n;
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

export interface TxnResult {
  /** etcdctl's exit code (0: the transaction was evaluated). */
  exitCode: number;
  succeeded: boolean;
  /** Revision after the transaction (the mod revision of what it wrote). */
  revision: number;
}

/**
 * Runs each stdin line (base64 of a txnText) through `etcdctl txn -w json` and prints
 * `<exit code>\t<json on one line>` per transaction. stdin is taken whole with `cat` and each
 * line cut out with awk: the shell's `read` takes a pipe one byte per system call, which made
 * megabytes of transactions cost minutes. etcdctl's stderr is dropped on purpose: its parse
 * errors echo the offending line, which may hold a Secret's bytes.
 */
export function txnScript(etcdctl: string): string {
  return [
    'all=$(cat)',
    'n=$(printf \'%s\\n\' "$all" | grep -c .)',
    'i=1',
    'while [ "$i" -le "$n" ]; do',
    `  out=$(printf '%s\\n' "$all" | awk -v n="$i" 'NR == n { print; exit }' | base64 -d | ${etcdctl} txn -w json 2>/dev/null); rc=$?`,
    `  printf '%s\\t' "$rc"; printf '%s' "$out" | tr -d '\\n'; echo`,
    '  i=$((i + 1))',
    'done',
  ].join('\n');
}

export function txnStdin(texts: readonly string[]): string {
  return texts.map((t) => `${Buffer.from(t, 'latin1').toString('base64')}\n`).join('');
}

/** Parses txnScript's output; a missing line reads as a failed etcdctl (exit -1). */
export function parseTxnResults(stdout: string, count: number): TxnResult[] {
  const lines = stdout.split('\n').filter((l) => /^-?\d+\t/.test(l));
  return Array.from({ length: count }, (_, i) => {
    const line = lines[i];
    if (line === undefined) return { exitCode: -1, succeeded: false, revision: 0 };
    const tab = line.indexOf('\t');
    const exitCode = Number(line.slice(0, tab));
    try {
      const doc = JSON.parse(line.slice(tab + 1)) as { succeeded?: boolean; header?: { revision?: number | string } };
      return { exitCode, succeeded: doc.succeeded === true, revision: Number(doc.header?.revision ?? 0) };
    } catch {
      return { exitCode: exitCode === 0 ? -1 : exitCode, succeeded: false, revision: 0 };
    }
  });
}
