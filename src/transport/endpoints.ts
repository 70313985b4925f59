// The node table: inventory nodes (plus ~/.ssh/config aliases) → how to reach each node.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { InventoryNode } from '../model/index.js';
import { KubedrError } from '../errors/index.js';
import { resolveSshHost, type SshConfig, type SshHostSettings } from './ssh-config.js';

export interface Endpoint {
  /** Node name (or `jump:<spec>` for a bastion), used in messages and as pool key. */
  name: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  knownHostsFile: string;
  connectTimeoutMs: number;
  jump?: Endpoint;
}

export interface EndpointContext {
  sshConfig: SshConfig | undefined;
  home?: string;
  localUser?: string;
  /** @default 10000 */
  defaultConnectTimeoutMs?: number;
}

/**
 * Builds a node's endpoint. The node's address may be an ssh_config alias. As in OpenSSH and
 * Ansible, values the inventory writes win; then the first match in the config; then kubedr's
 * defaults (`ssh.defaulted` lists the fields the inventory left to them).
 */
export function endpointOf(node: InventoryNode, ctx: EndpointContext): Endpoint {
  const home = ctx.home ?? homedir();
  const localUser = ctx.localUser ?? userInfo().username;
  const open = new Set(node.ssh.defaulted ?? []);
  const explicitUser = open.has('user') ? undefined : node.ssh.user;
  const cfg: SshHostSettings = ctx.sshConfig ? resolveSshHost(ctx.sshConfig, node.address, { home, localUser, ...(explicitUser !== undefined ? { user: explicitUser } : {}) }) : { identityFiles: [] };
  const identityFiles = node.ssh.identityFile !== undefined ? [node.ssh.identityFile] : cfg.identityFiles;
  const knownHostsFile = node.ssh.knownHostsFile ?? cfg.userKnownHostsFile ?? join(home, '.ssh', 'known_hosts');
  const ep: Endpoint = {
    name: node.name,
    host: cfg.hostName ?? node.address,
    port: open.has('port') ? (cfg.port ?? node.ssh.port) : node.ssh.port,
    user: explicitUser ?? cfg.user ?? node.ssh.user,
    identityFiles,
    knownHostsFile,
    connectTimeoutMs: (open.has('connectTimeout') ? cfg.connectTimeoutMs : undefined) ?? (node.ssh.connectTimeoutMs || (ctx.defaultConnectTimeoutMs ?? 10_000)),
  };
  const jump = node.ssh.proxyJump ?? cfg.proxyJump;
  if (jump !== undefined) ep.jump = jumpEndpoint(jump, ep, ctx, { home, localUser }, 0);
  return ep;
}

/** `[user@]host[:port]`, comma-separated for a chain (the last hop is nearest the target). */
function jumpEndpoint(spec: string, target: Endpoint, ctx: EndpointContext, env: { home: string; localUser: string }, depth: number): Endpoint {
  if (depth > 5) throw new KubedrError('TRANSPORT_PROXY_JUMP_LOOP', `${target.name}: ProxyJump chain longer than 5 hops (a loop in ssh config?)`);
  const hops = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const last = hops.pop();
  if (last === undefined) throw new KubedrError('TRANSPORT_PROXY_JUMP_INVALID', `${target.name}: empty ProxyJump`);
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(last);
  if (!m?.[2]) throw new KubedrError('TRANSPORT_PROXY_JUMP_INVALID', `${target.name}: cannot read ProxyJump ${JSON.stringify(last)}`, { hint: 'use [user@]host[:port]' });
  const alias = m[2].replace(/^\[|\]$/g, '');
  const cfg = ctx.sshConfig ? resolveSshHost(ctx.sshConfig, alias, env) : { identityFiles: [] as string[] };
  const ep: Endpoint = {
    name: `jump:${last}`,
    host: cfg.hostName ?? alias,
    port: m[3] !== undefined ? Number(m[3]) : (cfg.port ?? 22),
    user: m[1] ?? cfg.user ?? target.user,
    identityFiles: cfg.identityFiles.length > 0 ? cfg.identityFiles : target.identityFiles,
    knownHostsFile: cfg.userKnownHostsFile ?? target.knownHostsFile,
    connectTimeoutMs: target.connectTimeoutMs,
  };
  const further = hops.length > 0 ? hops.join(',') : cfg.proxyJump;
  if (further !== undefined) ep.jump = jumpEndpoint(further, ep, ctx, env, depth + 1);
  return ep;
}

/** Pool key: one connection per distinct way of reaching a host. */
export function endpointKey(ep: Endpoint): string {
  return `${ep.user}@${ep.host}:${ep.port}${ep.jump ? ` via ${endpointKey(ep.jump)}` : ''}`;
}
