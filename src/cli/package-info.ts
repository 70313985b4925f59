// What the CLI knows about its own package: version and the built-in runbooks. Both are found
// relative to this module, so they work from a checkout (src/cli via tsx, dist/cli) and from a
// global install (<prefix>/lib/node_modules/kubedr/dist/cli) alike.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Resolved when used, not when the module loads: the start-up snapshot (src/cli/snapshot.ts)
// loads this module when it is built and sets the package's place when it starts.
const root = (): URL => new URL('../../', import.meta.url);

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root()), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

export const builtinRunbooksDir = (): string => fileURLToPath(new URL('runbooks/', root()));

/** Names of the runbooks shipped with kubedr (`ha-restore`, …), sorted. */
export function builtinRunbooks(): string[] {
  return readdirSync(builtinRunbooksDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * `-r` value → path: an existing file as given; else a bare name (`ha-restore` or
 * `ha-restore.yaml`) of a built-in runbook; else the value unchanged (the loader names it).
 */
export function resolveRunbookArg(value: string): string {
  if (existsSync(value) || value.includes('/')) return value;
  const file = `${builtinRunbooksDir()}${value.endsWith('.yaml') ? value : `${value}.yaml`}`;
  return existsSync(file) ? file : value;
}
