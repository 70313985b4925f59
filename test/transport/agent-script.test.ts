// The agent's framing: end marks cut wherever the chunks split, and the script (run by this
// machine's sh, in its own process group as sshd would start it) never runs a partial request.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('gives every task the default SIGPIPE, not the ignored one of its own probes', async () => {
    // A shell started with SIGPIPE ignored cannot undo it: the signal would not kill it.
    const task = "sh -c 'kill -s PIPE $$; echo ignored'";
    expect(await agent(`${frameTask('n1', task)}${frameTask('n2', task)}\n`)).toBe(`${AGENT_HELLO}\nn1 141\nn2 141\n`);
  });

  it('says "left" after a task that leaves a process holding its streams, and runs nothing more', async () => {
    const [go, ran] = [join(dir, 'go'), join(dir, 'ran-after')];
    const p = spawn('sh', ['-c', AGENT_SCRIPT, 'kubedr-agent'], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    const closed = new Promise<void>((resolve) => p.on('close', () => resolve()));
    const ended = new Promise<void>((resolve) => p.stdout.on('data', (c: Buffer) => ((out += c.toString()), out.includes('n1 0 left\n') && resolve())));
    p.stdin.write(`${frameTask('n1', `echo one; (while [ ! -e ${go} ]; do sleep 0.1; done) &`)}${frameTask('n2', `touch ${ran}`)}`);
    await ended;
    // The client's quit; the leftover then ends on its own (it holds stdout until then).
    p.stdin.end('\n');
    writeFileSync(go, '');
    await closed;
    expect([out, existsSync(ran)]).toEqual([`${AGENT_HELLO}\none\nn1 0 left\n`, false]);
  });

  it('never runs a request cut short by EOF (no end line)', async () => {
    const flag = join(dir, 'ran');
    const out = await agent(`n1\ntouch ${flag}\n`);
    expect([out, existsSync(flag)]).toEqual([`${AGENT_HELLO}\n`, false]);
  });
});
