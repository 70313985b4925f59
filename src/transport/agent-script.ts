// The long-lived per-node session ("agent"): one exec channel and one `sh` that runs task after
// task, so that a task costs the node two forks and the step's own shell instead of an sshd
// session, a login shell, the wrapper and its watcher (issue 16: node CPU per task).
import { randomBytes } from 'node:crypto';
import { shellQuote } from '../plan/quote.js';
import type { SudoMode } from './command.js';

/** First line the agent prints: proof that it runs (and that no task has run yet). */
export const AGENT_HELLO = 'kubedr-agent 1';

/**
 * The agent. Protocol (stdin): a line holding a nonce, the command's lines, the nonce again; an
 * empty line instead of a nonce ends an idle agent. Two shells joined by a pipe: the reader
 * passes requests on and waits in `read`, so EOF on stdin (the client ended the channel on a
 * timeout or an abort, or the connection died) kills the whole process group at once, as
 * GROUP_WRAPPER's watcher does, while a task runs or not. The runner runs each task in the
 * foreground (one fork and exec per task) with stdout/stderr on the channel's and stdin
 * /dev/null, then prints `<nonce> <exit code>` on stdout and `<nonce>` on stderr: the client
 * cuts each stream there. The nonce is random per task and never in the command, so no output
 * can forge an end. The command reaches the task's shell through its environment, which (unlike
 * argv) only its owner can read, and is unset before it runs. A request cut short by EOF never
 * runs: the runner only starts a task once it has read the closing nonce.
 *
 * A task's output must stay its own: a process it leaves running (a daemon it starts) inherits
 * the channel's stdout and stderr, and what it prints later would land in the next task's
 * output. So every task also inherits fd 9, the read end of a pipe whose only write end (fd 6)
 * the runner holds and which nothing else reads: once the task's shell has exited, a byte
 * written to fd 6 fails (EPIPE) unless something the task started still holds fd 9. Then the
 * end line says `left`, the runner exits and the client retires this agent (it quits, which
 * kills nothing, and closes the channel): the leftovers keep running as after a session per
 * command, their later output reaches no task, and later tasks run on a new agent whose
 * process group (killed on disconnect) they are not in. No process is forked for this: the
 * pipe is a one-line here-document (a pipe in dash and bash 5), reopened for writing through
 * /proc; a shell whose here-documents are files fails the check at start and prints no hello
 * (the node then gets a session per command).
 */
export const AGENT_SCRIPT = [
  `stop() { trap '' TERM HUP; kill -s TERM 0; sleep 2; kill -s KILL 0; exit 1; }`,
  'trap stop TERM HUP',
  'exec 7<<E',
  '.',
  'E',
  'exec 6>/proc/$$/fd/7',
  'exec 7<&-',
  // Only around the probes: an ignored SIGPIPE would be inherited by every task's commands.
  `trap '' PIPE`,
  'if printf x >&6 2>/dev/null; then exit 1; fi',
  'trap - PIPE',
  `printf '%s\\n' ${shellQuote(AGENT_HELLO)}`,
  '{',
  '  while IFS= read -r m; do',
  `    printf '%s\\n' "$m"`,
  // Quit: the runner ends too, and what earlier tasks left running is left alone.
  '    [ -n "$m" ] || exit 0',
  `    while IFS= read -r l; do printf '%s\\n' "$l"; [ "$l" != "$m" ] || break; done`,
  '  done',
  '  stop',
  '} 6>&- | {',
  '  while IFS= read -r m && [ -n "$m" ]; do',
  '    c= ok=',
  '    while IFS= read -r l; do',
  '      if [ "$l" = "$m" ]; then ok=1; break; fi',
  '      c="$c$l',
  '"',
  '    done',
  '    [ -n "$ok" ] || exit 1',
  `    KUBEDR_TASK=$c sh -c 'c=$KUBEDR_TASK; unset KUBEDR_TASK; eval "$c"' kubedr </dev/null 9</proc/$$/fd/6 6>&-; r=$?`,
  `    trap '' PIPE`,
  '    if printf x >&6 2>/dev/null; then r="$r left"; fi',
  '    trap - PIPE',
  `    printf '%s %s\\n' "$m" "$r"; printf '%s\\n' "$m" >&2; c=`,
  // Retired (see above): the client quits this agent, which kills nothing.
  '    case $r in *left) exit 0;; esac',
  '  done',
  '}',
].join('\n');

/** The remote command line that starts an agent, optionally through sudo (as buildRemoteCommand). */
export function buildAgentCommand(sudo: SudoMode): string {
  const line = `sh -c ${shellQuote(AGENT_SCRIPT)} kubedr-agent`;
  if (sudo === 'none') return line;
  return sudo === 'nopasswd' ? `sudo -n -- ${line}` : `sudo -S -k -p '' -- ${line}`;
}

/** A fresh end mark for one task: letters and digits only (no shell or regex meaning). */
export function newNonce(): string {
  return `kubedr${randomBytes(16).toString('hex')}`;
}

/** Ends an idle agent (see AGENT_SCRIPT). */
export const AGENT_QUIT = '\n';

/** The request for one task; the command's text is kept byte for byte (plus a final newline). */
export function frameTask(nonce: string, command: string): string {
  return `${nonce}\n${command}${command.endsWith('\n') ? '' : '\n'}${nonce}\n`;
}

/**
 * Cuts one output stream at the task's end mark. `push` returns the text safe to hand on now
 * (never a prefix of the mark, which may still be arriving) and, once the mark has been seen,
 * the text after it up to its line end (the exit code on stdout, empty on stderr).
 */
export class MarkScanner {
  private pending = '';
  private tail: string | undefined;
  constructor(private readonly mark: string) {}

  /** The end line's remainder once complete (e.g. " 0" on stdout), else undefined. */
  get end(): string | undefined {
    if (this.tail === undefined) return undefined;
    const nl = this.tail.indexOf('\n');
    return nl < 0 ? undefined : this.tail.slice(0, nl);
  }

  push(text: string): string {
    if (this.tail !== undefined) {
      // Anything after the end line comes from a process the task left behind: not its output.
      if (this.end === undefined) this.tail += text;
      return '';
    }
    this.pending += text;
    const at = this.pending.indexOf(this.mark);
    if (at >= 0) {
      const out = this.pending.slice(0, at);
      this.tail = this.pending.slice(at + this.mark.length);
      this.pending = '';
      return out;
    }
    // Hold back only a tail that could be the start of the mark.
    let keep = Math.min(this.pending.length, this.mark.length - 1);
    while (keep > 0 && !this.mark.startsWith(this.pending.slice(this.pending.length - keep))) keep--;
    const out = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return out;
  }

  /** What was held back, when the stream ends without a mark. */
  flush(): string {
    const out = this.pending;
    this.pending = '';
    return out;
  }
}
