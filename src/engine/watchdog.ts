// Safety net around one exec, for a transport that fails to enforce its own timeout.
import { KubedrError } from '../errors/index.js';
import type { PlanStep } from '../model/index.js';
import type { RunContext } from './context.js';

/** @default grace past the step timeout */
export const DEFAULT_WATCHDOG_GRACE_MS = 5_000;

/**
 * The transport enforces `timeoutMs`; this is the safety net if it does not (a hung channel):
 * after the timeout plus a grace period the exec is aborted and the task is `timed-out`. It
 * uses a real timer, unref'd, because it guards against the world, not engine logic.
 */
export async function withWatchdog<T>(ctx: RunContext, step: PlanStep, node: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onRunAbort = (): void => ac.abort();
  ctx.deps.signal?.addEventListener('abort', onRunAbort, { once: true });
  if (ctx.deps.signal?.aborted) ac.abort();
  let timer: NodeJS.Timeout | undefined;
  const ms = step.timeoutMs + (ctx.opts.watchdogGraceMs ?? DEFAULT_WATCHDOG_GRACE_MS);
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new KubedrError('TRANSPORT_TIMEOUT', `${node}: no result ${ms} ms after the command started (step timeout ${step.timeoutMs} ms)`));
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([run(ac.signal), watchdog]);
  } finally {
    clearTimeout(timer);
    ctx.deps.signal?.removeEventListener('abort', onRunAbort);
  }
}
