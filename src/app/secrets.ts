// Values of a plan's secret params. Never from argv (shell history, `ps`): either an environment
// variable named with `--param-from-env NAME=ENVVAR`, or an interactive prompt with echo off.
// They are asked again on every run, resume and rollback; nothing stores them.
import { KubedrError } from '../errors/index.js';
import { MIN_INPUT_SECRET_LENGTH, weakSecretReason } from '../errors/redact.js';
import type { InventoryNode, Plan } from '../model/index.js';

/** Asks the operator for a value; `secret` means no echo. Supplied by the CLI (readline on a TTY). */
export type Prompt = (question: string, opts: { secret: boolean }) => Promise<string>;

export interface SecretInputs {
  /** `NAME=ENVVAR` pairs: the secret param NAME is read from the environment variable ENVVAR. */
  fromEnv?: string[];
  env: Record<string, string | undefined>;
  /** Absent when there is no terminal to ask on. */
  prompt?: Prompt;
}

export async function resolveSecrets(plan: Pick<Plan, 'secretParams'>, nodes: readonly InventoryNode[], i: SecretInputs): Promise<Record<string, string>> {
  const mapping = parseFromEnv(i.fromEnv ?? []);
  const unknown = [...mapping.keys()].filter((n) => !plan.secretParams.includes(n) && !becomeNames(nodes).has(n));
  if (unknown.length > 0) {
    throw new KubedrError('SECRET_UNKNOWN', `--param-from-env names ${unknown.join(', ')}, which the runbook does not declare as secret params`, {
      hint: `secret params of this runbook: ${plan.secretParams.join(', ') || 'none'}`,
      exitCode: 2,
    });
  }
  const out: Record<string, string> = {};
  for (const name of [...plan.secretParams, ...[...becomeNames(nodes)].filter((n) => !plan.secretParams.includes(n))]) {
    const envName = mapping.get(name);
    if (envName !== undefined) {
      const v = i.env[envName];
      if (v === undefined) throw new KubedrError('SECRET_ENV_MISSING', `--param-from-env ${name}=${envName}: the environment variable ${envName} is not set`, { exitCode: 2 });
      out[name] = v;
    } else if (plan.secretParams.includes(name)) {
      if (!i.prompt) {
        throw new KubedrError('SECRET_MISSING', `secret param ${name} has no value and there is no terminal to ask for it`, {
          hint: `export it in a variable and pass --param-from-env ${name}=<VARIABLE>`,
          exitCode: 2,
        });
      }
      out[name] = await i.prompt(`value of secret param ${name}: `, { secret: true });
    }
    const v = out[name];
    const weak = v === undefined ? undefined : weakSecretReason(v);
    if (weak !== undefined) {
      const from = envName === undefined ? 'the value typed' : `the environment variable ${envName}`;
      throw new KubedrError('SECRET_TOO_WEAK', `secret param ${name}: ${from} cannot be redacted safely: ${weak}`, {
        hint: `use the real secret (a token, key or password of ${MIN_INPUT_SECRET_LENGTH}+ characters): kubedr refuses a secret it could not hide in its logs`,
        exitCode: 2,
      });
    }
  }
  return out;
}

/** The sudo password of a node: the secret param or environment variable its `become.passwordFrom` names. */
export function sudoPasswordSource(nodes: readonly InventoryNode[], secrets: Record<string, string>, env: Record<string, string | undefined>): (node: string) => Promise<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  return (node) => {
    const from = byName.get(node)?.become.passwordFrom;
    const v = from === undefined ? undefined : (secrets[from] ?? env[from]);
    if (v === undefined) return Promise.reject(new KubedrError('SUDO_PASSWORD_MISSING', `${node}: sudo needs a password and become.passwordFrom ${from ?? '(unset)'} gives none`, { exitCode: 2 }));
    return Promise.resolve(v);
  };
}

function becomeNames(nodes: readonly InventoryNode[]): Set<string> {
  return new Set(nodes.flatMap((n) => (n.become.enabled && n.become.passwordFrom !== undefined ? [n.become.passwordFrom] : [])));
}

function parseFromEnv(pairs: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new KubedrError('SECRET_BAD_FLAG', `--param-from-env "${p}" is not NAME=ENVVAR`, { hint: 'e.g. --param-from-env sudoPassword=KUBEDR_SUDO_PASSWORD', exitCode: 2 });
    m.set(p.slice(0, eq), p.slice(eq + 1));
  }
  return m;
}
