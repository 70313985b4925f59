// Every command example in README.md and docs/*.md (```sh blocks, and the README's indented
// first lines) is checked against the real CLI, so a doc that drifts fails the suite: the
// subcommand exists, every flag it shows is an option of that subcommand, `npm run X` names a
// script, and a validate/plan example whose files exist in the repository runs with exit 0.
// New docs/*.md files are picked up automatically.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { resolveRunbookArg } from '../../src/cli/package-info.js';
import { cliHere } from '../e2e/support.js';

const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const scripts = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts);
const program = new Command('kubedr');
for (const register of commands) register(program);

/** Command lines of ```sh blocks (and README's leading indented block), comments dropped. */
function examples(file: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let inSh = false;
  const vars = new Map<string, string>();
  // Backslash continuations join into one line (reported at its first line).
  const text0 = readFileSync(file, 'utf8');
  const lines = text0.split('\n');
  lines.map((l, i) => (l.endsWith('\\') ? '' : joinBack(lines, i))).forEach((raw, i) => {
    if (/^```/.test(raw)) return void (inSh = /^```(sh|bash|shell)\s*$/.test(raw));
    const indentedTop = file === 'README.md' && i < 6 && raw.startsWith('    ');
    if (!inSh && !indentedTop) return;
    const text = raw.replace(/\s+#.*$/, '').trim();
    // A shell variable set in the block (S="--param …") is expanded where the example uses it.
    const set = /^(\w+)="(.*)"$/.exec(text);
    if (set?.[1] !== undefined) return void vars.set(set[1], set[2] ?? '');
    const expanded = text.replace(/\$(\w+)\b/g, (all, v: string) => vars.get(v) ?? all);
    for (const part of expanded.split(/\s+(?:\||&&)\s+/)) if (/^(kubedr|npm)\s/.test(part)) out.push({ line: i + 1, text: part });
  });
  return out;
}

/** Line i with the backslash-continued lines before it joined (so it is reported at its last line). */
function joinBack(lines: string[], i: number): string {
  let start = i;
  while (start > 0 && (lines[start - 1] ?? '').endsWith('\\')) start--;
  return lines.slice(start, i + 1).map((l) => l.replace(/\\$/, '')).join(' ');
}

function optionsOf(cmd: Command): Set<string> {
  const set = new Set(['-h', '--help']);
  const add = (c: Command) => c.options.forEach((o) => [o.short, o.long, o.long?.replace(/^--no-/, '--')].forEach((f) => f && set.add(f)));
  add(cmd);
  cmd.commands.forEach(add);
  return set;
}

const STAND_IN = 'inventories/kubeadm-3-master.yaml';
/** A directory in etcd-backup's layout, for `--param backup=DIR` placeholders. */
const BACKUP = mkdtempSync(join(tmpdir(), 'kubedr-doc-backup-'));
writeFileSync(join(BACKUP, 'snapshot.db'), 'doc example');
writeFileSync(join(BACKUP, 'snapshot.db.sha256'), `${createHash('sha256').update('doc example').digest('hex')}  snapshot.db\n`);

/** -r/-i/--param of a validate/plan/rehearse/run example, or undefined when it names no real runbook. */
function planArgs(words: string[]): string[] | undefined {
  if (!['validate', 'plan', 'rehearse', 'run'].includes(words[1] ?? '')) return undefined;
  const out: string[] = [];
  for (let i = 2; i < words.length; i++) {
    const w = words[i] ?? '';
    const v = words[i + 1] ?? '';
    if (w === '-r' || w === '--runbook') {
      if (!existsSync(resolveRunbookArg(v))) return undefined;
      out.push('-r', v);
    } else if (w === '-i' || w === '--inventory') out.push('-i', existsSync(v) ? v : STAND_IN);
    else if (w === '--param' && /^\w+=/.test(v)) {
      const [k = '', val = ''] = v.split(/=(.*)/s);
      out.push('--param', `${k}=${/^(…|<.*>|[A-Z_]+)?$|\$/.test(val) ? (/sha256/i.test(k) ? 'a'.repeat(64) : k === 'backup' ? BACKUP : '/etc/hosts') : val}`);
    } else continue;
    i++;
  }
  return out.includes('-r') && out.includes('-i') ? out : undefined;
}

const all = files.flatMap((f) => examples(f).map((e) => ({ ...e, file: f })));

describe('doc examples', () => {
  it('finds examples in README.md and docs/', () => {
    expect(all.filter((e) => e.file === 'README.md').length).toBeGreaterThan(3);
    expect(new Set(all.map((e) => e.file)).size).toBeGreaterThan(2);
  });

  it.each(all.map((e) => [`${e.file}:${e.line} ${e.text}`, e] as const))('%s', async (_, e) => {
    const words = e.text.split(/\s+/);
    if (words[0] === 'npm') {
      const script = words[1] === 'run' ? words[2] : words[1];
      if (script !== undefined && !['ci', 'install', 'pack', 'test'].includes(script)) expect(scripts, `${e.file}:${e.line}`).toContain(script);
      return;
    }
    const name = words[1] ?? '';
    if (name.startsWith('-')) return void expect(['--version', '-V', '--help', '-h']).toContain(name);
    const cmd = program.commands.find((c) => c.name() === name);
    expect(cmd, `${e.file}:${e.line}: no command "${name}"`).toBeDefined();
    if (!cmd) return;
    const known = optionsOf(cmd);
    for (const m of e.text.replace(/\$\([^)]*\)/g, 'X').matchAll(/(?:^|[\s[|])(--?[a-zA-Z][\w-]*)/g)) expect(known, `${e.file}:${e.line}: ${name} has no option ${m[1]}`).toContain(m[1]);
    if (cmd.commands.length > 0) for (const sub of (words[2] ?? '').split('|')) if (/^[a-z]+$/.test(sub)) expect(cmd.commands.map((c) => c.name())).toContain(sub);
    // Planned for real: the example's runbook, its inventory (a shipped one stands in for the
    // reader's my-cluster.yaml) and its params (placeholders get a file / a sha256).
    const args = planArgs(words);
    if (args) {
      const r = await cliHere(['plan', ...args, '--no-ssh-config']);
      expect(r.code, `${e.file}:${e.line}: kubedr plan ${args.join(' ')}\n${r.stderr}`).toBe(0);
    }
  });
});
