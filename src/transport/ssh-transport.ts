// The Transport over SSH: node table + connection pool + exec, uploads streamed over exec
// channels, SFTP downloads.
import type { ExecOptions, ExecResult, InventoryNode, Transport, TransferResult } from '../model/index.js';
import { buildAgentCommand } from './agent-script.js';
import { SessionAgents } from './agents.js';
import { buildRemoteCommand, buildStreamCommand, type SudoMode } from './command.js';
import { endpointOf, type Endpoint } from './endpoints.js';
import type { RecordedHostKey } from './connect.js';
import { TRANSPORT_CODES, TransportError } from './errors.js';
import { execOnLease } from './exec.js';
import { streamOnLease } from './exec-stream.js';
import { FileDigests } from './file-digest.js';
import { ConnectionPool } from './pool.js';
import { loadSshConfig } from './ssh-config.js';
import type { StreamTuning } from './sftp-stream.js';
import { uploadFile } from './upload.js';
import { downloadFile, type RemoteRunner, type RemoteStreamer, type TransferContext } from './transfer.js';

export interface SshTransportOptions {
  nodes: readonly InventoryNode[];
  /** Record unknown host keys in known_hosts instead of refusing them. @default false */
  acceptNewHostKeys?: boolean;
  /** ssh-agent socket, usually process.env.SSH_AUTH_SOCK. @default undefined (no agent) */
  agent?: string | undefined;
  /** An ssh_config file whose Host aliases apply to node addresses. @default undefined (none) */
  sshConfigPath?: string | undefined;
  /** Supplies the sudo password when a node's sudo needs one; never logged. */
  sudoPassword?: ((node: string) => Promise<string>) | undefined;
  /** Channels open at once per connection; OpenSSH refuses the 11th. @default 8 */
  maxChannelsPerConnection?: number;
  /** @default 300000 */
  idleTimeoutMs?: number;
  /** Time for key exchange and authentication after TCP connect. @default 15000 */
  authTimeoutMs?: number;
  /** @default 15000 */
  keepaliveIntervalMs?: number;
  /** @default 3 */
  keepaliveCountMax?: number;
  /**
   * Run commands through one long-lived shell per node (see agent-script.ts) instead of a new
   * SSH session per command; commands with stdin, and nodes that cannot run it, still get their
   * own session. @default true
   */
  sessionAgents?: boolean;
  /** SFTP request size and requests in flight, for downloads (uploads stream over exec). @default DEFAULT_TUNING */
  transferTuning?: StreamTuning;
  /** Told each host key recorded under acceptNewHostKeys (the session prints and audits it). */
  onHostKeyRecorded?: (r: RecordedHostKey) => void;
}

export interface SshTransport extends Transport {
  /** Connects (or reuses the connection) without running anything: pre-flight checks. */
  connect(node: string): Promise<void>;
  /** How a node is reached, after ssh_config aliases (for plans and messages). */
  endpoint(node: string): Promise<Endpoint>;
}

/** Builds the SSH transport; nothing connects until the first call for a node. */
export function createSshTransport(options: SshTransportOptions): SshTransport {
  const maxChannels = options.maxChannelsPerConnection ?? 8;
  const pool = new ConnectionPool({
    acceptNewHostKeys: options.acceptNewHostKeys ?? false,
    agent: options.agent,
    maxChannels,
    idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    authTimeoutMs: options.authTimeoutMs ?? 15_000,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    onHostKeyRecorded: options.onHostKeyRecorded,
  });
  // Leaves channels for transfers; an idle agent also yields its channel to any waiting caller.
  const agents = options.sessionAgents === false ? undefined : new SessionAgents({ maxPerNode: Math.max(1, maxChannels - 2), idleMs: Math.min(options.idleTimeoutMs ?? 300_000, 60_000) });
  const byName = new Map(options.nodes.map((n) => [n.name, n]));
  let table: Promise<Map<string, Endpoint>> | undefined;
  const endpoints = (): Promise<Map<string, Endpoint>> =>
    (table ??= (async () => {
      const sshConfig = options.sshConfigPath !== undefined ? loadSshConfig(options.sshConfigPath) : undefined;
      return new Map(options.nodes.map((n) => [n.name, endpointOf(n, { sshConfig })]));
    })());
  const endpoint = async (node: string): Promise<Endpoint> => {
    const ep = (await endpoints()).get(node);
    if (!ep || !byName.has(node)) throw new TransportError(TRANSPORT_CODES.unknownNode, node, 'not in the inventory');
    return ep;
  };

  const sudoModes = new Map<string, Promise<SudoMode>>();
  const passwords = new Map<string, Promise<string>>();
  const passwordOf = (node: string): Promise<string> => {
    let p = passwords.get(node);
    if (!p && options.sudoPassword) passwords.set(node, (p = options.sudoPassword(node)));
    return p ?? Promise.resolve('');
  };

  const become = async (node: string, ep: Endpoint, sudo: boolean): Promise<{ mode: SudoMode; password: string }> => {
    // A root login needs no sudo (and minimal nodes may not have it installed).
    const mode: SudoMode = sudo && ep.user !== 'root' ? await sudoModeOf(node, ep) : 'none';
    return { mode, password: mode === 'password' ? await passwordOf(node) : '' };
  };

  const run: RemoteRunner = async (node, command, opts) => {
    const ep = await endpoint(node);
    const { mode, password } = await become(node, ep, opts.sudo);
    // The password is scrubbed from output too; stdin only from error text (echoing it is legit).
    const secrets = password !== '' ? [password] : [];
    if (agents && (opts.stdin ?? '') === '') {
      const prefix = mode === 'password' ? `${password}\n` : undefined;
      const start = { node, mode, lease: (signal: AbortSignal | undefined) => pool.lease(ep, signal), command: buildAgentCommand(mode), prefix, secrets };
      const r = await agents.exec(start, command, { ...opts, secrets });
      if (r) return r;
    }
    const lease = await pool.lease(ep, opts.signal);
    const stdinPrefix = mode === 'password' ? `${password}\n` : undefined;
    return execOnLease(node, lease, buildRemoteCommand(command, mode), { ...opts, stdinPrefix, secrets });
  };

  const stream: RemoteStreamer = async (node, command, source, opts) => {
    const ep = await endpoint(node);
    const { mode, password } = await become(node, ep, opts.sudo);
    const lease = await pool.lease(ep, opts.signal);
    const prefix = mode === 'password' ? `${password}\n` : undefined;
    return streamOnLease(node, lease, buildStreamCommand(command, mode), { source, prefix, signal: opts.signal, secrets: password !== '' ? [password] : [], onBytes: opts.onBytes });
  };
  const digests = new FileDigests();

  // Probed once per node: does sudo work without a password? Only then is a password sent,
  // and it is checked once on its own, so that a wrong one is never retried with the command's
  // stdin lines as further attempts.
  const sudoModeOf = (node: string, ep: Endpoint): Promise<SudoMode> => {
    let mode = sudoModes.get(node);
    if (!mode) {
      mode = (async (): Promise<SudoMode> => {
        const probe = await execOnLease(node, await pool.lease(ep), buildRemoteCommand('sudo -n true', 'none'), { timeoutMs: 15_000, secrets: [] });
        if (probe.exitCode === 0 || !options.sudoPassword) return 'nopasswd';
        const password = await passwordOf(node);
        const check = await execOnLease(node, await pool.lease(ep), buildRemoteCommand("sudo -S -k -p '' true", 'none'), { timeoutMs: 30_000, stdin: `${password}\n`, secrets: [password] });
        if (check.exitCode !== 0) {
          throw new TransportError(TRANSPORT_CODES.sudoPasswordRejected, node, `sudo as ${ep.user} rejected the configured password`, { hint: 'check the secret named by become.passwordFrom for this node' });
        }
        return 'password';
      })();
      mode.catch(() => sudoModes.delete(node));
      sudoModes.set(node, mode);
    }
    return mode;
  };

  const transferContext = (node: string, ep: Endpoint, signal: AbortSignal | undefined): TransferContext => {
    const ctx: TransferContext = { node, user: ep.user, lease: () => pool.lease(ep, signal), run, stream, digests };
    if (options.transferTuning) ctx.tuning = options.transferTuning;
    return ctx;
  };

  return {
    exec: (node: string, command: string, opts: ExecOptions): Promise<ExecResult> => run(node, command, opts),
    upload: async (node, localPath, remotePath, opts): Promise<TransferResult> => {
      const ep = await endpoint(node);
      return uploadFile(transferContext(node, ep, opts.signal), localPath, remotePath, opts);
    },
    download: async (node, remotePath, localPath, opts): Promise<TransferResult> => {
      const ep = await endpoint(node);
      return downloadFile(transferContext(node, ep, opts.signal), remotePath, localPath, opts);
    },
    connect: async (node) => {
      const lease = await pool.lease(await endpoint(node));
      lease.release();
    },
    endpoint,
    close: () => {
      agents?.close();
      return pool.close();
    },
  };
}
