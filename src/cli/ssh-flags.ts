// Flags of every command that resolves nodes: which ssh_config applies (OpenSSH's
// ~/.ssh/config unless told otherwise) and -v for the transport detail of each node.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { InventoryNode } from '../model/index.js';

export interface SshFlags {
  /** A path, `false` from --no-ssh-config, or undefined for ~/.ssh/config. */
  sshConfig?: string | boolean;
  verbose?: boolean;
}

export function addSshFlags(cmd: Command): Command {
  return cmd
    .option('--ssh-config <file>', 'ssh_config applied to node addresses (Host/Match blocks, Include) (default ~/.ssh/config)')
    .option('--no-ssh-config', 'read no ssh_config: only the inventory says how to reach nodes')
    .option('-v, --verbose', 'print how each node is reached on stderr: endpoint, user, auth methods, jump hosts, the host key fingerprint known_hosts expects');
}

/**
 * Same rule as app/endpoints.ts sshConfigPathOf, written out here: every command file imports
 * this module, and importing app/endpoints.js would load the inventory, transport and ssh2
 * modules at start-up (test/cli/startup.test.ts).
 */
export function sshConfigOf(f: SshFlags): string | undefined {
  if (f.sshConfig === false) return undefined;
  return typeof f.sshConfig === 'string' ? f.sshConfig : join(homedir(), '.ssh', 'config');
}

/** `{ sshConfigPath }` for the app's options, or nothing with --no-ssh-config. */
export function sshConfigOption(f: SshFlags): { sshConfigPath?: string } {
  const path = sshConfigOf(f);
  return path === undefined ? {} : { sshConfigPath: path };
}

/**
 * Resolves every node's endpoint with the chosen ssh_config (so plan and validate fail on a
 * config that run would refuse) and, with -v, prints them.
 */
export async function checkEndpoints(inventory: string | readonly InventoryNode[], f: SshFlags): Promise<void> {
  const path = sshConfigOf(f);
  const { inventoryEndpoints } = await import('../app/endpoints.js');
  const eps = await inventoryEndpoints(inventory, path);
  if (!f.verbose) return;
  const { describeConnection } = await import('../app/endpoint-detail.js');
  process.stderr.write(`kubedr: ssh_config ${path ?? 'none (--no-ssh-config)'}\n`);
  for (const ep of eps) for (const line of describeConnection(ep, { agent: process.env.SSH_AUTH_SOCK })) process.stderr.write(`  ${line}\n`);
}
