// A small ~/.ssh/config reader: Host blocks with HostName, User, Port, IdentityFile, ProxyJump,
// UserKnownHostsFile, ConnectTimeout. First value wins (IdentityFile accumulates), as in
// OpenSSH. `Match` blocks and `Include` are not followed: their options never apply.
import { readFile } from 'node:fs/promises';
import { globMatch } from './known-hosts.js';

interface HostBlock {
  /** `undefined` for a Match block, which we never apply. */
  patterns: string[] | undefined;
  options: [key: string, value: string][];
}

export interface SshConfig {
  source: string;
  blocks: HostBlock[];
}

export interface SshHostSettings {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFile?: string;
  connectTimeoutMs?: number;
}

/** Parses ssh_config text. Options before the first Host apply to every host. */
export function parseSshConfig(text: string, source: string): SshConfig {
  const blocks: HostBlock[] = [{ patterns: ['*'], options: [] }];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const key = m[1].toLowerCase();
    const args = splitArgs(m[2]);
    if (key === 'host') blocks.push({ patterns: args, options: [] });
    else if (key === 'match') blocks.push({ patterns: undefined, options: [] });
    // Only the first argument is kept: for UserKnownHostsFile that is the file we read and record into.
    else if (args[0] !== undefined) blocks.at(-1)?.options.push([key, args[0]]);
  }
  return { source, blocks };
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

function blockMatches(patterns: string[], alias: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (!globMatch(negated ? p.slice(1) : p, alias)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** Settings for `alias`; `~` and %d %h %p %r %u %% are expanded in file paths. */
export function resolveSshHost(config: SshConfig, alias: string, ctx: { home: string; localUser: string }): SshHostSettings {
  const first = new Map<string, string>();
  const identityFiles: string[] = [];
  for (const block of config.blocks) {
    if (!block.patterns || !blockMatches(block.patterns, alias)) continue;
    for (const [key, value] of block.options) {
      if (key === 'identityfile') identityFiles.push(value);
      else if (!first.has(key)) first.set(key, value);
    }
  }
  const hostName = first.get('hostname')?.replace(/%h/g, alias);
  const host = hostName ?? alias;
  const user = first.get('user');
  const portText = first.get('port');
  const port = portText === undefined ? undefined : Number(portText);
  const expand = (path: string): string =>
    path
      .replace(/^~(?=\/|$)/, ctx.home)
      .replace(/%(.)/g, (all, c: string) =>
        c === 'd' ? ctx.home : c === 'h' ? host : c === 'u' ? ctx.localUser : c === 'r' ? (user ?? ctx.localUser) : c === 'p' ? String(port ?? 22) : c === '%' ? '%' : all,
      );
  const out: SshHostSettings = { identityFiles: identityFiles.map(expand) };
  if (hostName !== undefined) out.hostName = hostName;
  if (user !== undefined) out.user = user;
  if (port !== undefined && Number.isInteger(port) && port > 0) out.port = port;
  const jump = first.get('proxyjump');
  if (jump !== undefined && jump.toLowerCase() !== 'none') out.proxyJump = jump;
  const known = first.get('userknownhostsfile');
  if (known !== undefined && known !== 'none') out.userKnownHostsFile = expand(known);
  const timeout = Number(first.get('connecttimeout'));
  if (Number.isFinite(timeout) && timeout > 0) out.connectTimeoutMs = timeout * 1000;
  return out;
}

/** Reads and parses a config file; a missing file is an empty config. */
export async function loadSshConfig(path: string): Promise<SshConfig> {
  try {
    return parseSshConfig(await readFile(path, 'utf8'), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return parseSshConfig('', path);
    throw err;
  }
}
