// -v/--verbose: for each connection kubedr will open, what decides it — the endpoint, the user,
// the auth methods in the order the transport tries them (ssh-agent first when SSH_AUTH_SOCK is
// set, then the identity files), every jump host, and the host key known_hosts holds for it (the
// fingerprint the server must present; none means it is refused unless --accept-new-host-keys).
// Read before connecting, from the same files the transport reads.
import { readFileSync } from 'node:fs';
import { checkHostKey, fingerprintOf, parseKnownHosts, type Endpoint, type KnownHostEntry } from '../transport/index.js';

export interface DetailOptions {
  /** SSH_AUTH_SOCK: the agent is tried first when set. */
  agent?: string | undefined;
  /** Reads a known_hosts file; undefined when it does not exist. @default readFileSync */
  readText?: (path: string) => string | undefined;
}

/** One line per hop, the node's own first, then each jump host it goes through. */
export function describeConnection(ep: Endpoint, o: DetailOptions = {}): string[] {
  const read = o.readText ?? readOrNone;
  const lines: string[] = [];
  for (let hop: Endpoint | undefined = ep, first = true; hop; hop = hop.jump, first = false) {
    const via = hop.jump ? ` · via ${hop.jump.user}@${hop.jump.host}:${hop.jump.port}` : '';
    lines.push(`${first ? `${ep.name}:` : '  jump'} endpoint ${hop.host}:${hop.port} · user ${hop.user} · auth ${authOf(hop, o.agent)}${via} · ${hostKeyOf(hop, read)}`);
  }
  return lines;
}

function authOf(ep: Endpoint, agent: string | undefined): string {
  const keys = ep.identityFiles.length > 0 ? `key ${ep.identityFiles.join(', ')}` : 'the default keys (~/.ssh/id_ed25519, id_ecdsa, id_rsa)';
  return agent ? `ssh-agent (${agent}), then ${keys}` : `publickey: ${keys}`;
}

function hostKeyOf(ep: Endpoint, read: (path: string) => string | undefined): string {
  const text = read(ep.knownHostsFile);
  if (text === undefined) return `host key: ${ep.knownHostsFile} does not exist (refused unless --accept-new-host-keys)`;
  // An entry is this host's when its own key "matches" for this host:port (hashed names included).
  const mine = parseKnownHosts(text).filter((e: KnownHostEntry) => e.marker === undefined && checkHostKey([e], ep.host, ep.port, e.key).status === 'match');
  if (mine.length === 0) return `host key: none for ${ep.host}:${ep.port} in ${ep.knownHostsFile} (refused unless --accept-new-host-keys)`;
  return `host key ${mine.map((e) => `${e.keyType} ${fingerprintOf(e.key)}`).join(', ')} (${ep.knownHostsFile}:${mine.map((e) => e.line).join(',')})`;
}

function readOrNone(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
