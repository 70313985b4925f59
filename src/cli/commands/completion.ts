// `kubedr completion bash|zsh`: a completion script built from the registered commands and
// their options, so it never drifts from the CLI. Load it with
//   source <(kubedr completion bash)        # or: kubedr completion zsh > "${fpath[1]}/_kubedr"
import { Argument, type Command } from 'commander';
import { builtinRunbooks } from '../package-info.js';
import type { RegisterCommand } from './index.js';

interface Spec {
  name: string;
  options: string[];
}

function specsOf(program: Command): Spec[] {
  const optionsOf = (c: Command): string[] => c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
  return program.commands.map((c) => ({ name: c.name(), options: [...optionsOf(c), '--help'] }));
}

export function bashCompletion(program: Command): string {
  const specs = specsOf(program);
  const cases = specs.map((s) => `    ${s.name}) opts=${JSON.stringify(s.options.join(' '))} ;;`).join('\n');
  return `# kubedr bash completion: source <(kubedr completion bash)
_kubedr() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd=\${COMP_WORDS[1]} opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${JSON.stringify([...specs.map((s) => s.name), '--version', '--help'].join(' '))} -- "$cur")); return
  fi
  case "$prev" in
    -r|--runbook) COMPREPLY=($(compgen -f -- "$cur") $(compgen -W ${JSON.stringify(builtinRunbooks().join(' '))} -- "$cur")); return ;;
    -i|--inventory|--ssh-config|--state-dir|--junit) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "$cmd" in
${cases}
    *) opts="" ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o filenames -F _kubedr kubedr
`;
}

export function zshCompletion(program: Command): string {
  const specs = specsOf(program);
  const cases = specs.map((s) => `    ${s.name}) opts=(${s.options.join(' ')}) ;;`).join('\n');
  return `#compdef kubedr
# kubedr zsh completion: kubedr completion zsh > "\${fpath[1]}/_kubedr" (or source it after compinit)
_kubedr() {
  local -a cmds opts
  cmds=(${specs.map((s) => s.name).join(' ')})
  if (( CURRENT == 2 )); then compadd -- $cmds --version --help; return; fi
  case "\${words[CURRENT-1]}" in
    -r|--runbook) _files; compadd -- ${builtinRunbooks().join(' ')}; return ;;
    -i|--inventory|--ssh-config|--state-dir|--junit) _files; return ;;
  esac
  case "\${words[2]}" in
${cases}
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then compadd -- $opts; else _files; fi
}
compdef _kubedr kubedr 2>/dev/null || true
`;
}

export const registerCompletion: RegisterCommand = (program: Command) => {
  program
    .command('completion')
    .description('print a shell completion script: source <(kubedr completion bash)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      process.stdout.write(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
      process.exitCode = 0;
    });
};
