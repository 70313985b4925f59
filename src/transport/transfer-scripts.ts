// The shell scripts a transfer runs on the node. Arguments arrive as $1… (each quoted once by
// `script`), never interpolated into the script text.
import { shellQuote } from '../plan/quote.js';

/**
 * Prints the sha256 of the file $1. OpenSSL first: it uses the CPU's SHA extensions, while
 * coreutils' sha256sum (Debian 12) does not, and is ~8× slower (1 GiB: ~0.8 s vs ~6.5 s on the
 * bench machine). Any answer that is not 64 characters (no openssl, an old output format) falls
 * back to sha256sum. Both read the file as it is on the node's disk.
 */
const SHA256_OF = [
  'sha256_of() {',
  '  h=$(openssl dgst -sha256 -r < "$1" 2>/dev/null) && h=${h%% *} && [ ${#h} -eq 64 ] && { printf %s "$h"; return 0; }',
  '  h=$(sha256sum < "$1") && printf %s "${h%% *}"',
  '}',
].join('\n');

// The upload scripts share one argument list: $1 temp file (next to the destination), $2 byte
// count the sender announced, $3 expected sha256, $4 destination, $5 mode (octal) or ''.

/**
 * Writes stdin to $1 (mode 0600). A file of another size than $2 means the sender stopped
 * early (abort, lost connection: EOF either way) or sent more than announced: it is removed
 * here, so no partial temp file outlives the transfer even when nobody is left to clean up.
 */
export const RECEIVE_UPLOAD = [
  'umask 077',
  'cat > "$1" || { rm -f -- "$1"; exit 4; }',
  'n=$(wc -c < "$1") || { rm -f -- "$1"; exit 4; }',
  'if [ "$n" -ne "$2" ]; then rm -f -- "$1"; echo "received $n of $2 bytes" >&2; exit 5; fi',
].join('\n');

/**
 * The node hashes the file it holds; only a match with $3 is moved into place (same directory,
 * so an atomic rename). Exit 3 with the node's digest on stdout for a mismatch, 4 for any other
 * failure; the temp file is gone either way.
 */
export const FINALIZE_UPLOAD = [
  SHA256_OF,
  's=$(sha256_of "$1") || { rm -f -- "$1"; exit 4; }',
  'if [ "$s" != "$3" ]; then rm -f -- "$1"; printf %s "$s"; exit 3; fi',
  'if [ -n "$5" ]; then chmod "$5" "$1" || { rm -f -- "$1"; exit 4; }; fi',
  // mv would move the file INTO a directory of that name (and report success).
  'if [ -d "$4" ]; then rm -f -- "$1"; echo "$4 is a directory" >&2; exit 4; fi',
  'mv -f -- "$1" "$4" || { rm -f -- "$1"; exit 4; }',
].join('\n');

/** Both in one command, for a file whose digest is known before it is sent. */
export const RECEIVE_AND_FINALIZE = `${RECEIVE_UPLOAD}\n${FINALIZE_UPLOAD}`;

/** As root: $1 source, $2 staged copy, $3 login user who will read the copy over SFTP. */
export const STAGE_DOWNLOAD = 'cp -- "$1" "$2" && chown -- "$3" "$2"';

/** Prints the sha256 of $1. */
export const HASH_FILE = [SHA256_OF, 'sha256_of "$1" || exit 4'].join('\n');

/** `sh -c <body> kubedr <args…>`: the body sees the args as $1…, each quoted once here. */
export function script(body: string, args: readonly string[]): string {
  // Empty args must stay as '' words, and shellQuote does that.
  return `sh -c ${shellQuote(body)} kubedr ${args.map(shellQuote).join(' ')}`;
}
