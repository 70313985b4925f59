// The remote wrapper, run by a real local sh in its own session (as sshd runs it): stdin
// framing is exact, exit codes pass through, and EOF on stdin kills the whole command tree.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesWith, uniqueMarker } from '../helpers/procs.js';
import { until } from '../helpers/until.js';
import { GROUP_WRAPPER, buildRemoteCommand, buildStreamCommand, frameStdin } from '../../src/transport/command.js';

function runWrapped(command: string, stdin: string, closeWhen?: Promise<void>, env?: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const child = spawn('sh', ['-c', GROUP_WRAPPER, 'kubedr', command], { detached: true, ...(env ? { env } : {}) });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stdin.write(frameStdin(stdin));
  void closeWhen?.then(() => child.stdin.end());
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      child.stdin.end();
      resolve({ code, signal, stdout });
    }),
  );
}

describe('GROUP_WRAPPER', () => {
  it.each(['', 'x', 'two\nlines\n\n\n', "quotes ' \" $(x) `y`", 'ünïcode ✓'])('passes stdin %j through byte for byte', async (input) => {
    const r = await runWrapped('cat; printf "|%s" "$?"', input);
    expect(r.stdout).toBe(`${input}|0`);
  });

  it('passes the exit code through', async () => {
    expect((await runWrapped('exit 42', '')).code).toBe(42);
  });

  it('starts no head and no cat for an empty stdin (each process costs the node CPU on every task)', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'kubedr-wrapper-bin-'));
    try {
      const log = join(bin, 'log');
      for (const tool of ['head', 'cat']) {
        writeFileSync(join(bin, tool), `#!/bin/sh\necho ${tool} >> ${log}\nexec /usr/bin/${tool} "$@"\n`);
        chmodSync(join(bin, tool), 0o755);
      }
      const env = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
      expect((await runWrapped('echo ok', '', undefined, env)).stdout).toBe('ok\n');
      expect(existsSync(log)).toBe(false);
      // A non-empty stdin still goes through head, byte for byte.
      expect((await runWrapped('read -r x; echo "<$x>"', 'in\n', undefined, env)).stdout).toBe('<in>\n');
      expect(readFileSync(log, 'utf8')).toBe('head\n');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('kills the command tree when its stdin (the channel) is closed', async () => {
    const marker = uniqueMarker('wrapper');
    const [flag, started] = [`/tmp/${marker}.flag`, `/tmp/${marker}.started`];
    const r = await runWrapped(`(sh -c 'sleep 300; : ${marker}'; touch ${flag}) & touch ${started}; sleep 300`, '', until('the tree to run', () => existsSync(started) && processesWith(marker) > 0));
    expect(r.signal).toBe('SIGTERM');
    // Gone, not merely not finished yet: nothing is left that could still create the flag.
    await until('the tree to be killed', () => processesWith(marker) === 0);
    expect(existsSync(flag)).toBe(false);
    rmSync(started, { force: true });
  });
});

describe('buildRemoteCommand', () => {
  it('quotes the command as one word and adds sudo without a tty or prompt', () => {
    const cmd = "echo '$(id)'; rm -rf /nope";
    expect(buildRemoteCommand(cmd, 'none')).toMatch(/^sh -c '.*' kubedr 'echo '\\''\$\(id\)'\\''; rm -rf \/nope'$/s);
    expect(buildRemoteCommand(cmd, 'nopasswd')).toMatch(/^sudo -n -- sh -c /);
    expect(buildRemoteCommand(cmd, 'password')).toMatch(/^sudo -S -k -p '' -- sh -c /);
  });
});

describe('buildStreamCommand', () => {
  it('leaves an already quoted receiver line as is (no stdin framing) and adds the same sudo', () => {
    const line = "sh -c 'cat > \"$1\"' kubedr '/tmp/a b'";
    expect(buildStreamCommand(line, 'none')).toBe(line);
    expect(buildStreamCommand(line, 'nopasswd')).toBe(`sudo -n -- ${line}`);
    expect(buildStreamCommand(line, 'password')).toBe(`sudo -S -k -p '' -- ${line}`);
  });
});
