// kubedr as an operator runs it: `node bin/kubedr.js` over the compiled dist/ (built once per
// bench run, untimed), so its measured time includes process start-up like ansible-playbook's.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runOk, type RunResult } from './proc.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/kubedr.js', import.meta.url));

let built: Promise<void> | undefined;

/** Newest mtime under a directory (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * `npm run build` (tsc → dist/, bundled into dist/bundle/, git-ignored) unless dist/ is newer than every source file: two
 * benches running at once must not rewrite dist/ under each other's kubedr processes.
 */
export function buildCli(): Promise<void> {
  let fresh = false;
  try {
    const src = newest(join(REPO, 'src'));
    fresh = statSync(join(REPO, 'dist', 'bundle', 'entry.js')).mtimeMs > src && statSync(join(REPO, 'dist', 'snapshot', 'kubedr.blob')).mtimeMs > src;
  } catch {
    fresh = false;
  }
  // tsc, then the bundle bin/kubedr.js prefers and the start-up snapshot (the same two steps as `npm run build`).
  built ??= fresh
    ? Promise.resolve()
    : runOk('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, timeoutMs: 600_000 }).then(() => runOk('npx', ['tsx', 'scripts/bundle-cli.ts'], { cwd: REPO, timeoutMs: 600_000 })).then(() => undefined);
  return built;
}

export async function kubedrCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<RunResult> {
  const r = await run(process.execPath, [BIN, ...args], { cwd: REPO, env, timeoutMs });
  if (r.code !== 0) throw new Error(`kubedr ${args[0] ?? ''} exited ${String(r.code)}:\n${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-12).join('\n')}`);
  return r;
}
