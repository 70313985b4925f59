// The agent's framing: end marks cut wherever the chunks split, and the script (run by this
// machine's sh, in its own process group as sshd would start it) never runs a partial request.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_HELLO, AGENT_SCRIPT, MarkScanner, frameTask, newNonce } from '../../src/transport/agent-script.js';

const dir = mkdtempSync(join(tmpdir(), 'kubedr-agent-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Feeds `text` to a scanner in chunks of `size` characters; returns what it let through. */
function scan(mark: string, text: string, size: number): { out: string; end: string | undefined } {
  const s = new MarkScanner(mark);
  let out = '';
  for (let i = 0; i < text.length; i += size) out += s.push(text.slice(i, i + size));
  return { out, end: s.end };
}

describe('MarkScanner', () => {
  it('cuts at the mark and reads the end line, whatever the chunk size', () => {
    const mark = newNonce();
    const text = `line one\nno newline${mark} 42\nleft behind by a daemon`;
    for (const size of [1, 2, 5, 17, 1000]) expect(scan(mark, text, size)).toEqual({ out: 'line one\nno newline', end: ' 42' });
  });

  it('lets text that only starts like the mark through, and holds back nothing else', () => {
    const mark = newNonce();
    const s = new MarkScanner(mark);
    expect(s.push('abc')).toBe('abc');
    expect(s.push(`x${mark.slice(0, 10)}`)).toBe('x');
    expect(s.push('!')).toBe(`${mark.slice(0, 10)}!`);
    expect(s.end).toBeUndefined();
  });

  it('frames the command byte for byte with one final newline', () => {
    expect(frameTask('N', 'a\nb')).toBe('N\na\nb\nN\n');
    expect(frameTask('N', 'a\n')).toBe('N\na\nN\n');
  });
});

/** Runs the agent locally, writes `input`, closes stdin, returns its stdout once it exited. */
function agent(input: string): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', AGENT_SCRIPT, 'kubedr-agent'], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', () => resolve(out));
    p.stdin.end(input);
  });
}

describe('AGENT_SCRIPT', () => {
  it('runs complete requests in order and ends on an empty line', async () => {
    const out = await agent(`${frameTask('n1', 'echo one; exit 3')}${frameTask('n2', 'echo two')}\n`);
    // The second request reaps the first task; their output may not interleave.
    expect(out).toBe(`${AGENT_HELLO}\none\nn1 3\ntwo\nn2 0\n`);
  });

  it('never runs a request cut short by EOF (no end line)', async () => {
    const flag = join(dir, 'ran');
    const out = await agent(`n1\ntouch ${flag}\n`);
    expect([out, existsSync(flag)]).toEqual([`${AGENT_HELLO}\n`, false]);
  });
});
