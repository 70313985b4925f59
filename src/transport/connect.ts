// Opens one authenticated ssh2 connection to an endpoint, over TCP or over a bastion's
// forwarded channel, with host-key checking, separate connect and auth timeouts, keepalive.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { AuthMethod, Client as ClientT, ConnectConfig, utils as Ssh2Utils } from 'ssh2';
import type { Endpoint } from './endpoints.js';
import { TRANSPORT_CODES, TransportError, describe } from './errors.js';
import { appendKnownHost, checkHostKey, fingerprintOf, knownKeyTypes, loadKnownHosts, type HostKeyVerdict } from './known-hosts.js';

// ssh2 (with its crypto and key parsing) costs a new process ~80 ms of CPU to load: loaded on
// the first connection, so commands that never connect (plan, validate, --help) do not pay it.
interface Ssh2 {
  Client: typeof ClientT;
  utils: { parseKey: typeof Ssh2Utils.parseKey };
}
let ssh2Module: Promise<Ssh2> | undefined;
const loadSsh2 = async (): Promise<Ssh2> => {
  ssh2Module ??= import('ssh2').then((m) => m.default as Ssh2);
  return ssh2Module;
};

export interface ConnectOptions {
  /** Record unknown host keys instead of refusing them. Changed keys are always refused. */
  acceptNewHostKeys: boolean;
  /** ssh-agent socket (SSH_AUTH_SOCK); tried before identity files. */
  agent: string | undefined;
  /** Time for the SSH handshake after TCP connect. @default connectTimeoutMs of the endpoint */
  authTimeoutMs: number;
  /** @default 15000 */
  keepaliveIntervalMs: number;
  /** @default 3 */
  keepaliveCountMax: number;
  /** Told each host key recorded under acceptNewHostKeys, once it is in known_hosts. */
  onHostKeyRecorded?: ((r: RecordedHostKey) => void) | undefined;
}

/** A host key that --accept-new-host-keys added to known_hosts: printed and audited. */
export interface RecordedHostKey {
  node: string;
  host: string;
  port: number;
  /** `SHA256:…` as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  knownHostsFile: string;
}

const DEFAULT_HOST_KEY_ALGOS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** Known key types first, so the server presents the key we can check (OpenSSH does the same). */
function hostKeyAlgorithms(knownTypes: string[]): string[] {
  const preferred = knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  return [...new Set([...preferred, ...DEFAULT_HOST_KEY_ALGOS])];
}

async function authMethods(ep: Endpoint, agent: string | undefined, parseKey: Ssh2['utils']['parseKey']): Promise<AuthMethod[]> {
  const methods: AuthMethod[] = [];
  if (agent) methods.push({ type: 'agent', username: ep.user, agent } as AuthMethod);
  const files = ep.identityFiles.length > 0 ? ep.identityFiles : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f));
  for (const file of files) {
    let key: Buffer;
    try {
      key = await readFile(file);
    } catch (err) {
      // A configured key that cannot be read is the operator's mistake: say so. Defaults may be absent.
      if (ep.identityFiles.length > 0) throw new TransportError(TRANSPORT_CODES.authFailed, ep.name, `cannot read identity file ${file}: ${describe(err)}`, { failure: 'unreachable' });
      continue;
    }
    const parsed = parseKey(key);
    if (parsed instanceof Error) {
      // Typically a passphrase-protected key: usable only through the agent, which may hold it.
      if (agent || ep.identityFiles.length === 0) continue;
      throw new TransportError(TRANSPORT_CODES.authFailed, ep.name, `cannot use identity file ${file}: ${parsed.message}`, {
        failure: 'unreachable',
        hint: 'a passphrase-protected key must be loaded into ssh-agent (ssh-add) and the agent passed via SSH_AUTH_SOCK',
      });
    }
    methods.push({ type: 'publickey', username: ep.user, key } as AuthMethod);
  }
  return methods;
}

/** Connects and authenticates; resolves when the connection is ready for channels. */
export async function openConnection(ep: Endpoint, opts: ConnectOptions, sock?: Duplex): Promise<ClientT> {
  const [known, { Client, utils }] = await Promise.all([loadKnownHosts(ep.knownHostsFile), loadSsh2()]);
  const methods = await authMethods(ep, opts.agent, utils.parseKey);
  let verdict: HostKeyVerdict | undefined;
  let presented: Buffer | undefined;
  const client = new Client();
  return new Promise<ClientT>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: TransportError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      client.destroy();
      reject(err);
    };
    const arm = (ms: number, what: string): void => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new TransportError(TRANSPORT_CODES.unreachable, ep.name, `${what} to ${ep.host}:${ep.port} timed out after ${ms} ms`, { failure: 'unreachable' })), ms);
    };
    arm(ep.connectTimeoutMs, 'connect');
    client.on('handshake', () => arm(opts.authTimeoutMs, 'authentication'));
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => fail(mapConnectError(ep, err, verdict, presented)));
    client.on('close', () => fail(new TransportError(TRANSPORT_CODES.unreachable, ep.name, `connection to ${ep.host}:${ep.port} closed during setup`, { failure: 'unreachable' })));
    const cfg: ConnectConfig = {
      host: ep.host,
      port: ep.port,
      username: ep.user,
      readyTimeout: ep.connectTimeoutMs + opts.authTimeoutMs + 1000,
      keepaliveInterval: opts.keepaliveIntervalMs,
      keepaliveCountMax: opts.keepaliveCountMax,
      algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(known, ep.host, ep.port)) as never },
      authHandler: methods,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        presented = key;
        verdict = checkHostKey(known, ep.host, ep.port, key);
        if (verdict.status === 'match') return verify(true);
        if (verdict.status === 'unknown' && opts.acceptNewHostKeys) {
          appendKnownHost(ep.knownHostsFile, ep.host, ep.port, key).then(
            () => {
              opts.onHostKeyRecorded?.({ node: ep.name, host: ep.host, port: ep.port, fingerprint: fingerprintOf(key), knownHostsFile: ep.knownHostsFile });
              verify(true);
            },
            () => verify(false),
          );
          return;
        }
        verify(false);
      },
    };
    if (sock) cfg.sock = sock;
    try {
      client.connect(cfg);
    } catch (err) {
      // ssh2 throws synchronously for unusable settings (e.g. a key it cannot parse).
      fail(new TransportError(TRANSPORT_CODES.unreachable, ep.name, `cannot start a connection to ${ep.host}:${ep.port}: ${describe(err)}`, { failure: 'unreachable', detail: err }));
    }
  });
}

function mapConnectError(ep: Endpoint, err: Error & { level?: string; code?: string }, verdict: HostKeyVerdict | undefined, key: Buffer | undefined): TransportError {
  const where = `${ep.host}:${ep.port}`;
  if (verdict && verdict.status !== 'match' && key) {
    const fp = fingerprintOf(key);
    if (verdict.status === 'changed') {
      return new TransportError(TRANSPORT_CODES.hostKeyChanged, ep.name, `HOST KEY CHANGED for ${where}: known ${verdict.knownFingerprints.join(', ')}, presented ${fp}. Refusing to connect (possible man-in-the-middle).`, {
        failure: 'host-key',
        hint: `if the node was reinstalled on purpose, verify ${fp} out of band and remove the old entry: ssh-keygen -R '${ep.port === 22 ? ep.host : `[${ep.host}]:${ep.port}`}' -f ${ep.knownHostsFile}`,
      });
    }
    if (verdict.status === 'revoked') return new TransportError(TRANSPORT_CODES.hostKeyRevoked, ep.name, `host key ${fp} of ${where} is marked @revoked in ${ep.knownHostsFile}`, { failure: 'host-key' });
    return new TransportError(TRANSPORT_CODES.hostKeyUnknown, ep.name, `unknown host key ${fp} for ${where} (not in ${ep.knownHostsFile})`, {
      failure: 'host-key',
      hint: 'verify the fingerprint out of band, then run again with --accept-new-host-keys to record it',
    });
  }
  if (err.level === 'client-authentication') {
    return new TransportError(TRANSPORT_CODES.authFailed, ep.name, `authentication as ${ep.user} on ${where} failed: ${describe(err)}`, { failure: 'unreachable', hint: 'check the user, IdentityFile and ssh-agent keys', detail: err });
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EAI_NONAME') {
    return new TransportError(TRANSPORT_CODES.dnsFailed, ep.name, `cannot resolve host name ${ep.host}: ${describe(err)}`, { failure: 'unreachable', hint: 'check the node address in the inventory (or ssh_config HostName) and DNS', detail: err });
  }
  return new TransportError(TRANSPORT_CODES.unreachable, ep.name, `cannot connect to ${where}: ${describe(err)}`, { failure: 'unreachable', hint: 'check that the node is up, its sshd listens on that port, and no firewall is in the way', detail: err });
}
