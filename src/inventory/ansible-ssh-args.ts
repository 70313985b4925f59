// ansible_ssh_common_args / ansible_ssh_extra_args → kubedr ssh settings. Understood: ProxyJump
// (-J or -o ProxyJump=), Kubespray's bastion ProxyCommand (`ssh -W %h:%p ... [user@]bastion`)
// and UserKnownHostsFile. Everything else is named in a warning, never dropped silently.
export interface SshArgs {
  proxyJump?: string;
  knownHostsFile?: string;
  /** Options kubedr does not apply, as written. */
  ignored: string[];
}

/** Splits like a POSIX shell would for the simple quoting these vars use. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s'"]+)/g;
  let cur = '';
  let last = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const piece = m[1] ?? m[2] ?? m[3] ?? '';
    if (last === m.index) cur += piece;
    else {
      if (last !== -1) out.push(cur);
      cur = piece;
    }
    last = m.index + m[0].length;
  }
  if (last !== -1) out.push(cur);
  return out;
}

/** `ssh -W %h:%p -q [-p P] [user@]host` → `[user@]host[:P]`; undefined for any other command. */
function jumpOfProxyCommand(cmd: string): string | undefined {
  const w = words(cmd);
  if (w[0] !== 'ssh' || !w.includes('-W')) return undefined;
  let port: string | undefined;
  let target: string | undefined;
  for (let i = 1; i < w.length; i++) {
    const a = w[i] ?? '';
    if (a === '-W' || a === '-i' || a === '-o' || a === '-F') i++;
    else if (a === '-p') port = w[++i];
    else if (!a.startsWith('-')) target = a;
  }
  return target === undefined ? undefined : `${target}${port !== undefined ? `:${port}` : ''}`;
}

export function parseSshArgs(text: string): SshArgs {
  const out: SshArgs = { ignored: [] };
  const w = words(text);
  for (let i = 0; i < w.length; i++) {
    const a = w[i] ?? '';
    if (a === '-J') {
      out.proxyJump = w[++i] ?? '';
      continue;
    }
    const opt = a === '-o' ? (w[++i] ?? '') : a.startsWith('-o') ? a.slice(2) : undefined;
    if (opt === undefined) {
      out.ignored.push(a);
      continue;
    }
    const m = /^([A-Za-z]+)\s*[= ]\s*(.*)$/.exec(opt);
    const key = m?.[1]?.toLowerCase();
    const value = m?.[2] ?? '';
    if (key === 'proxyjump') out.proxyJump = value;
    else if (key === 'userknownhostsfile') out.knownHostsFile = value.split(/\s+/)[0] ?? value;
    else if (key === 'proxycommand' && jumpOfProxyCommand(value) !== undefined) out.proxyJump = jumpOfProxyCommand(value) ?? '';
    else out.ignored.push(`-o ${opt}`);
  }
  return out;
}
