// A unified diff (as `diff -u` prints it) of a rebuilt manifest against its source, for the
// plan and the rehearsal: the operator sees exactly which lines the substitution changed.
// Manifests are ~100 lines, so a plain LCS table is fast and needs no dependency.

/** Above this many lines per side the diff is one hunk replacing everything (cost is n×m). */
const MAX_LINES = 4000;

type Op = { t: ' ' | '-' | '+'; line: string; a: number; b: number };

export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = a.length > MAX_LINES || b.length > MAX_LINES ? replaceAll(a, b) : lcsOps(a, b);
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  for (const hunk of hunks(ops, context)) out.push(...hunk);
  return `${out.join('\n')}\n`;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function replaceAll(a: string[], b: string[]): Op[] {
  return [...a.map((line, i): Op => ({ t: '-', line, a: i, b: 0 })), ...b.map((line, j): Op => ({ t: '+', line, a: a.length, b: j }))];
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // len[i][j]: LCS length of a[i..] and b[j..], in one flat array.
  const len = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      len[at(i, j)] = a[i] === b[j] ? (len[at(i + 1, j + 1)] ?? 0) + 1 : Math.max(len[at(i + 1, j)] ?? 0, len[at(i, j + 1)] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ t: ' ', line: a[i++] ?? '', a: i - 1, b: j++ });
    else if (j < m && (i >= n || (len[at(i, j + 1)] ?? 0) > (len[at(i + 1, j)] ?? 0))) ops.push({ t: '+', line: b[j++] ?? '', a: i, b: j - 1 });
    else ops.push({ t: '-', line: a[i++] ?? '', a: i - 1, b: j });
  }
  // A changed line reads best as "- old" then "+ new": move each run's deletions first.
  return groupChanges(ops);
}

function groupChanges(ops: Op[]): Op[] {
  const out: Op[] = [];
  let run: Op[] = [];
  const flush = () => {
    out.push(...run.filter((o) => o.t === '-'), ...run.filter((o) => o.t === '+'));
    run = [];
  };
  for (const op of ops) {
    if (op.t === ' ') {
      flush();
      out.push(op);
    } else run.push(op);
  }
  flush();
  return out;
}

function hunks(ops: Op[], context: number): string[][] {
  const changed = ops.map((o, k) => (o.t === ' ' ? -1 : k)).filter((k) => k >= 0);
  const out: string[][] = [];
  let k = 0;
  while (k < changed.length) {
    const first = changed[k] ?? 0;
    let last = first;
    while (k + 1 < changed.length && (changed[k + 1] ?? 0) - last <= 2 * context) last = changed[++k] ?? last;
    k++;
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(start, end + 1);
    const aLines = slice.filter((o) => o.t !== '+').length;
    const bLines = slice.filter((o) => o.t !== '-').length;
    const s = ops[start];
    const aStart = aLines === 0 ? (s?.a ?? 0) : (s?.a ?? 0) + 1;
    const bStart = bLines === 0 ? (s?.b ?? 0) : (s?.b ?? 0) + 1;
    out.push([`@@ -${range(aStart, aLines)} +${range(bStart, bLines)} @@`, ...slice.map((o) => `${o.t}${o.line}`)]);
  }
  return out;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
