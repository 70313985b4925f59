// Builds the exact string sent to the node's login shell. Every value is shellQuoted here;
// nothing the transport builds is interpolated unquoted.
import { shellQuote } from '../plan/quote.js';

/**
 * Runs `$1` so that a timeout, an abort or a lost connection kills the whole command tree.
 * OpenSSH ignores "signal" requests for root logins and leaves a no-pty command running when
 * the channel closes, so the wrapper watches the channel itself: the client sends
 * `<n>\n<n bytes of stdin>` and keeps its side open; a watcher waits for EOF on the rest of
 * stdin (the client ending the channel, or the connection dying) and then kills the wrapper's
 * process group. After a normal exit the watcher is disarmed first. stdin is held in a shell
 * variable (printf is a builtin: never in argv, never on disk); the `x` keeps trailing newlines.
 * Every process here costs the node CPU on every task (a fan-out runs hundreds), so the usual
 * empty stdin forks no `head` and no `printf` (the command reads /dev/null, EOF either way) and
 * the watcher waits with the `read` builtin rather than a `cat`: 3 processes instead of 6.
 */
export const GROUP_WRAPPER = [
  // fd 3: sh gives background jobs /dev/null as stdin, before any redirection of theirs.
  'exec 3<&0',
  'IFS= read -r n || exit 125',
  'if [ "$n" -gt 0 ] 2>/dev/null; then',
  '  s=$(head -c "$n"; echo x); s=${s%x}',
  '  printf %s "$s" | sh -c "$1" 3<&- & p=$!',
  '  s=',
  'else',
  '  sh -c "$1" </dev/null 3<&- & p=$!',
  'fi',
  // read returns non-zero at EOF; nothing is ever sent after the frame.
  `{ trap '' TERM; while read -r _; do :; done <&3; kill -s TERM 0; sleep 2; kill -s KILL 0; } >/dev/null 2>&1 & w=$!`,
  'exec 3<&-',
  'wait $p; r=$?',
  'kill -s KILL $w 2>/dev/null',
  'exit $r',
].join('\n');

/** The stdin framing GROUP_WRAPPER expects: byte length, newline, bytes. */
export function frameStdin(stdin: string): string {
  return `${Buffer.byteLength(stdin)}\n${stdin}`;
}

export type SudoMode = 'none' | 'nopasswd' | 'password';

/** The remote command line for `command`, optionally through sudo (no tty, never prompting). */
export function buildRemoteCommand(command: string, sudo: SudoMode): string {
  return withSudo(`sh -c ${shellQuote(GROUP_WRAPPER)} kubedr ${shellQuote(command)}`, sudo);
}

/**
 * The remote command line for a receiver that reads raw bytes on stdin (an upload), without
 * GROUP_WRAPPER's framing: EOF on stdin is how it learns the sender stopped, early or not.
 */
export function buildStreamCommand(command: string, sudo: SudoMode): string {
  return withSudo(command, sudo);
}

function withSudo(line: string, sudo: SudoMode): string {
  if (sudo === 'none') return line;
  // -n: fail instead of prompting. -S -k -p '': read the password from stdin, always (so the
  // password line is consumed by sudo and never reaches the command), and print no prompt.
  return sudo === 'nopasswd' ? `sudo -n -- ${line}` : `sudo -S -k -p '' -- ${line}`;
}

/** `argv` as one shell command line, each word quoted. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
