// The one place the app builds its SSH transport: every command (run, resume, rollback, drill,
// objects, prune, unlock) reaches nodes the same way, with the same environment settings.
import { KubedrError } from '../errors/index.js';
import type { InventoryNode } from '../model/index.js';
import { createSshTransport, type RecordedHostKey, type SshTransport } from '../transport/index.js';
import { sudoPasswordSource } from './secrets.js';

const SESSION_AGENT_ENV = 'KUBEDR_SSH_SESSION_AGENT';
const AGENTS_ON = /^(on|1|true|yes)$/i;
const AGENTS_OFF = /^(off|0|false|no)$/i;

/**
 * Session agents (one long-lived `sh` per node channel that runs command after command) are the
 * default; KUBEDR_SSH_SESSION_AGENT=off gives every command its own SSH session, as before.
 * Any other value than on/off (or 1/0, true/false, yes/no, empty) is refused before anything
 * connects: a misspelt "of" must not silently leave agents on.
 */
export function sessionAgentsWanted(env: Record<string, string | undefined>): boolean {
  const v = env[SESSION_AGENT_ENV]?.trim() ?? '';
  if (v === '' || AGENTS_ON.test(v)) return true;
  if (AGENTS_OFF.test(v)) return false;
  throw new KubedrError('ENV_VALUE_INVALID', `${SESSION_AGENT_ENV}=${JSON.stringify(v)} is neither on nor off; nothing was executed`, {
    hint: `set ${SESSION_AGENT_ENV}=off for a new SSH session per command, on (or unset it) for one session agent per node`,
    exitCode: 2,
  });
}

export interface NodeTransportOptions {
  /** Every node the transport may reach (sudo passwords are looked up among these). */
  nodes: readonly InventoryNode[];
  env: Record<string, string | undefined>;
  acceptNewHostKeys?: boolean | undefined;
  sshConfigPath?: string | undefined;
  /** Secrets of the run (--param-from-env and the like): a become.passwordFrom name may be one. */
  secrets?: Record<string, string>;
  onHostKeyRecorded?: (r: RecordedHostKey) => void;
}

export function nodeTransport(o: NodeTransportOptions): SshTransport {
  return createSshTransport({
    nodes: o.nodes,
    acceptNewHostKeys: o.acceptNewHostKeys ?? false,
    agent: o.env['SSH_AUTH_SOCK'],
    sshConfigPath: o.sshConfigPath,
    sudoPassword: sudoPasswordSource(o.nodes, o.secrets ?? {}, o.env),
    sessionAgents: sessionAgentsWanted(o.env),
    ...(o.onHostKeyRecorded ? { onHostKeyRecorded: o.onHostKeyRecorded } : {}),
  });
}
