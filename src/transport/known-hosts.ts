// OpenSSH known_hosts: parse (pure), match a host's presented key, record a new key.
// Handles plain, `[host]:port`, hashed (`|1|salt|hmac`), comma lists, wildcards and
// negation; `@revoked` keys are refused; `@cert-authority` lines are kept but never match a
// plain host key (kubedr does not accept host certificates).
import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  marker: 'cert-authority' | 'revoked' | undefined;
  /** Raw host field: comma list of patterns, or one `|1|salt|hmac` hashed name. */
  hosts: string;
  keyType: string;
  /** Decoded key blob (SSH wire format). */
  key: Buffer;
  line: number;
}

export type HostKeyVerdict =
  | { status: 'match' }
  | { status: 'unknown' }
  | { status: 'revoked' }
  | { status: 'changed'; knownFingerprints: string[] };

/** Parses known_hosts text; lines it cannot read are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@cert-authority') marker = 'cert-authority';
      else if (m === '@revoked') marker = 'revoked';
      else return;
    }
    const [hosts, keyType, b64] = fields;
    if (hosts === undefined || keyType === undefined || b64 === undefined) return;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0 || keyTypeOf(key) !== keyType) return;
    entries.push({ marker, hosts, keyType, key, line: i + 1 });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostLookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does the entry's host field name `lookup` (`host` or `[host]:port`)? */
export function hostFieldMatches(hosts: string, lookup: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hmac] = hosts.split('|');
    if (salt === undefined || hmac === undefined) return false;
    const want = createHmac('sha1', Buffer.from(salt, 'base64')).update(lookup).digest('base64');
    return want === hmac;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatch(negated ? pattern.slice(1) : pattern, lookup)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** OpenSSH-style glob: `*` and `?`, case-insensitive (host names are). */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(value);
}

/** Checks a presented key against the entries for `host:port`. */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const lookup = hostLookupName(host, port);
  const forHost = entries.filter((e) => hostFieldMatches(e.hosts, lookup));
  if (forHost.some((e) => e.marker === 'revoked' && e.key.equals(key))) return { status: 'revoked' };
  const plain = forHost.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { status: 'match' };
  // Any other plain key for this host (same type or not) means the host's identity changed:
  // we prefer known key types during negotiation, so a different type is not a harmless "new".
  if (plain.length > 0) return { status: 'changed', knownFingerprints: plain.map((e) => fingerprintOf(e.key)) };
  return { status: 'unknown' };
}

/** Key types recorded for `host:port`, to offer them first in the key exchange (as OpenSSH does). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const lookup = hostLookupName(host, port);
  const types = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, lookup)).map((e) => e.keyType);
  return [...new Set(types)];
}

/** OpenSSH fingerprint: `SHA256:` + unpadded base64 of the key blob's sha256. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type string at the start of an SSH wire-format key blob. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return '';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('latin1');
}

/** Reads a known_hosts file; a missing file is an empty one. */
export async function loadKnownHosts(path: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Appends a plain entry (what `StrictHostKeyChecking=accept-new` records). */
export async function appendKnownHost(path: string, host: string, port: number, key: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const current = await readFile(path, 'utf8');
    if (current.length > 0 && !current.endsWith('\n')) prefix = '\n';
  } catch {
    // no file yet: appendFile creates it
  }
  await appendFile(path, `${prefix}${hostLookupName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}
