// waitApiserverReady: poll the node's kube-apiserver /readyz until it answers "ok". Read-only;
// before the run the API may well be down (that is why one restores), so the rehearsal checks
// only that a client to ask it exists.
import { DURATION, durationMs, script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface WaitApiserverReadyArgs {
  /** @default '{{ node.address }}' */
  address?: TemplateArg;
  /** @default 6443 */
  port?: TemplateArg | number;
  /** @default '5m' */
  timeout?: string | number;
}

export const HTTP_CLIENT_CHECK = 'command -v curl >/dev/null || command -v wget >/dev/null || command -v openssl >/dev/null || { echo "none of curl, wget, openssl is installed: cannot ask /readyz" >&2; exit 1; }';

/** Shell that prints the body of https://$host:$port/readyz (curl, else wget, else openssl). */
export function readyzScript(address: TemplateArg, port: TemplateArg | number): string {
  return script(
    `h=${word(address)}; p=${word(String(port))}`,
    'if command -v curl >/dev/null 2>&1; then curl -fsSk --max-time 5 "https://$h:$p/readyz"',
    'elif command -v wget >/dev/null 2>&1; then wget -q -O - --no-check-certificate -T 5 "https://$h:$p/readyz"',
    `else printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' | timeout 5 openssl s_client -quiet -connect "$h:$p" 2>/dev/null | tail -n 1; fi`,
  );
}

export const waitApiserverReady: DrAction<WaitApiserverReadyArgs> = {
  name: 'waitApiserverReady',
  summary: 'wait until the kube-apiserver on the node answers /readyz with ok',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      address: { type: 'string', description: 'Host to ask. Default {{ node.address }}.' },
      port: { type: ['string', 'integer'], description: 'apiserver port. Default 6443.' },
      timeout: { ...DURATION, description: 'How long to wait. Default 5m.' },
    },
  },
  expand: (a) => {
    const timeoutMs = durationMs(a.timeout, 300_000);
    return {
      action: { kind: 'wait', command: readyzScript(a.address ?? '{{ node.address }}', a.port ?? 6443), match: '^ok', timeoutMs, intervalMs: 250, sudo: false },
      check: { kind: 'shell', script: HTTP_CLIENT_CHECK, sudo: false },
      idempotent: true,
      timeoutMs: timeoutMs + 60_000,
    };
  },
};
