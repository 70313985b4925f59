// ~/.ssh/config as OpenSSH reads it, parsed by the maintained `ssh-config` package: Host and
// Match (host, originalhost, user, localuser, all) blocks, first value wins, IdentityFile
// accumulates. `Include` is followed here (the package only parses it); Match criteria that
// would run commands or need ssh's runtime state (exec, canonical, final, tagged,
// localnetwork...) are refused with the file and line, never ignored silently.
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig, { LineType, type Line } from 'ssh-config';
import { KubedrError } from '../errors/index.js';
import { globMatch } from './known-hosts.js';

export interface SshConfig {
  source: string;
  config: SSHConfig;
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

/** A construct of the user's ssh_config that kubedr will not guess at: exit 2, nothing ran. */
export class SshConfigError extends KubedrError {
  constructor(code: 'SSH_CONFIG_UNSUPPORTED' | 'SSH_CONFIG_INCLUDE', message: string, hint: string) {
    super(code, message, { hint, exitCode: 2 });
    this.name = 'SshConfigError';
  }
}

const SUPPORTED_MATCH = new Set(['all', 'host', 'originalhost', 'user', 'localuser']);
const FIX = 'write a Host block for these nodes instead, or choose another file with --ssh-config FILE (or none with --no-ssh-config)';

export interface ParseContext {
  /** Reads an included file; a pattern may match several. @default the real file system */
  include?: (pattern: string) => { path: string; text: string }[];
  /** @default ~ ; relative Include paths are resolved against HOME/.ssh, as OpenSSH does. */
  home?: string;
}

/** Parses ssh_config text, splicing Include'd files in where they stand. */
export function parseSshConfig(text: string, source: string, ctx: ParseContext = {}, depth = 0): SshConfig {
  const home = ctx.home ?? homedir();
  const include = ctx.include ?? ((p: string) => readIncluded(p, home));
  refuseUnsupportedMatch(text, source);
  const config = SSHConfig.parse(text);
  const splice = (lines: Line[]): Line[] =>
    lines.flatMap((line) => {
      if (line.type !== LineType.DIRECTIVE) return [line];
      if ('config' in line) {
        line.config.splice(0, line.config.length, ...splice([...line.config]));
        return [line];
      }
      if (line.param.toLowerCase() !== 'include') return [line];
      if (depth >= 16) throw new SshConfigError('SSH_CONFIG_INCLUDE', `${source}: Include nested more than 16 deep (an Include loop?)`, 'remove the loop');
      const patterns = Array.isArray(line.value) ? line.value.map((v) => v.val) : line.value.split(/\s+/);
      return patterns.flatMap((p) => include(p).flatMap((f) => [...parseSshConfig(f.text, f.path, { include, home }, depth + 1).config]));
    });
  const lines = splice([...config]);
  config.splice(0, config.length, ...lines);
  return { source, config };
}

/** Match criteria are checked on the text, so the message can name the line. */
function refuseUnsupportedMatch(text: string, source: string): void {
  text.split('\n').forEach((raw, i) => {
    const m = /^\s*match(?:\s*=\s*|\s+)(.*)$/i.exec(raw);
    if (!m) return;
    const words = (m[1] ?? '').replace(/#.*$/, '').trim().split(/\s+/).filter((w) => w !== '');
    for (let k = 0; k < words.length; k++) {
      const keyword = (words[k] ?? '').toLowerCase().replace(/^!/, '');
      if (!SUPPORTED_MATCH.has(keyword)) {
        throw new SshConfigError('SSH_CONFIG_UNSUPPORTED', `${source}:${i + 1}: "Match ${keyword}" is not supported by kubedr (it never runs commands from ssh_config and has no ssh runtime state to match on)`, FIX);
      }
      if (keyword !== 'all') k++;
    }
  });
}

function readIncluded(pattern: string, home: string): { path: string; text: string }[] {
  const expanded = pattern.replace(/^~(?=\/|$)/, home);
  const path = isAbsolute(expanded) ? expanded : join(home, '.ssh', expanded);
  const dir = dirname(path);
  if (/[*?[]/.test(dir)) throw new SshConfigError('SSH_CONFIG_UNSUPPORTED', `Include ${pattern}: wildcards are supported in the file name only, not in directories`, FIX);
  const name = basename(path);
  if (!/[*?]/.test(name)) {
    try {
      return [{ path, text: readFileSync(path, 'utf8') }];
    } catch (cause) {
      // OpenSSH skips a missing include silently; a node defined there would then fail with ENOTFOUND.
      throw new SshConfigError('SSH_CONFIG_INCLUDE', `Include ${pattern}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, `create ${path} or remove the Include line`);
    }
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((e) => globMatch(name, e)).sort().map((e) => ({ path: join(dir, e), text: readFileSync(join(dir, e), 'utf8') }));
}

export interface ResolveContext {
  home: string;
  localUser: string;
  /** The inventory's explicit user: it wins, and `Match user` sees it. */
  user?: string;
}

/** Settings for `alias`; `~` and %d %h %p %r %u %% are expanded in file paths. */
export function resolveSshHost(config: SshConfig, alias: string, ctx: ResolveContext): SshHostSettings {
  const computed = config.config.compute(ctx.user !== undefined ? { Host: alias, User: ctx.user } : { Host: alias }, { ignoreCase: true, matchExec: false });
  const first = (key: string): string | undefined => {
    const v = computed[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const hostName = first('hostname')?.replace(/%h/g, alias);
  const host = hostName ?? alias;
  const user = ctx.user !== undefined ? undefined : first('user');
  const portText = first('port');
  const port = portText === undefined ? undefined : Number(portText);
  const expand = (path: string): string =>
    path
      .replace(/^~(?=\/|$)/, ctx.home)
      .replace(/%(.)/g, (all, c: string) =>
        c === 'd' ? ctx.home : c === 'h' ? host : c === 'u' ? ctx.localUser : c === 'r' ? (ctx.user ?? user ?? ctx.localUser) : c === 'p' ? String(port ?? 22) : c === '%' ? '%' : all,
      );
  const ids = computed['identityfile'];
  const out: SshHostSettings = { identityFiles: (Array.isArray(ids) ? ids : ids === undefined ? [] : [ids]).map(expand) };
  if (hostName !== undefined) out.hostName = hostName;
  if (user !== undefined) out.user = user;
  if (port !== undefined && Number.isInteger(port) && port > 0) out.port = port;
  const jump = first('proxyjump');
  if (jump !== undefined && jump.toLowerCase() !== 'none') out.proxyJump = jump;
  const known = first('userknownhostsfile');
  if (known !== undefined && known !== 'none') out.userKnownHostsFile = expand(known);
  const timeout = Number(first('connecttimeout'));
  if (Number.isFinite(timeout) && timeout > 0) out.connectTimeoutMs = timeout * 1000;
  return out;
}

/** Reads and parses a config file (following Include); a missing file is an empty config. */
export function loadSshConfig(path: string, ctx: ParseContext = {}): SshConfig {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return parseSshConfig(text, path, ctx);
}

/** OpenSSH's per-user config file. */
export const defaultSshConfigPath = (home = homedir()): string => join(home, '.ssh', 'config');
