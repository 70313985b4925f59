// How each node of an inventory is reached once ~/.ssh/config is applied: plan and validate
// use it to read the config like run does (a bad Include or an unsupported Match fails there
// too, with nothing executed), and -v/--verbose prints it.
import { homedir } from 'node:os';
import { loadInventory } from '../inventory/index.js';
import type { InventoryNode } from '../model/index.js';
import { endpointOf, type Endpoint } from '../transport/endpoints.js';
import { defaultSshConfigPath, loadSshConfig } from '../transport/ssh-config.js';

/**
 * The ssh_config a command reads: the given file, none (`false`, from --no-ssh-config), or
 * OpenSSH's per-user file by default.
 */
export function sshConfigPathOf(flag: string | boolean | undefined, home = homedir()): string | undefined {
  if (flag === false) return undefined;
  return typeof flag === 'string' ? flag : defaultSshConfigPath(home);
}

export function endpointsOf(nodes: readonly InventoryNode[], sshConfigPath: string | undefined): Endpoint[] {
  const sshConfig = sshConfigPath === undefined ? undefined : loadSshConfig(sshConfigPath);
  return nodes.map((n) => endpointOf(n, { sshConfig }));
}

/** Endpoints of an inventory file's nodes, or of nodes already read (plan and validate: the file is read once). */
export async function inventoryEndpoints(inventory: string | readonly InventoryNode[], sshConfigPath: string | undefined): Promise<Endpoint[]> {
  return endpointsOf(typeof inventory === 'string' ? (await loadInventory(inventory)).nodes : inventory, sshConfigPath);
}

/** One line per hop: `cp1: ops@10.0.0.1:22 via jump@bastion:22 (key ~/.ssh/id, known_hosts …)`. */
export function describeEndpoint(ep: Endpoint): string {
  const via = (e: Endpoint | undefined): string => (e ? ` via ${e.user}@${e.host}:${e.port}${via(e.jump)}` : '');
  const keys = ep.identityFiles.length > 0 ? `keys ${ep.identityFiles.join(', ')}` : 'keys from ssh-agent';
  return `${ep.name}: ${ep.user}@${ep.host}:${ep.port}${via(ep.jump)} (${keys}; known_hosts ${ep.knownHostsFile}; connect timeout ${ep.connectTimeoutMs / 1000}s)`;
}
