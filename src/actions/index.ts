// Public surface of src/actions: the built-in DR actions by the YAML key that calls them.
// Shared file: add one line per action to DR_ACTIONS, do not reorganise.
import { restartKubelet } from './restart-kubelet.js';
import type { ActionExpansion, DrAction } from './types.js';
import { waitApiserverReady } from './wait-apiserver-ready.js';

export type { ActionExpansion, DrAction, TemplateArg } from './types.js';

export const DR_ACTIONS: Readonly<Record<string, DrAction<never>>> = {
  restartKubelet,
  waitApiserverReady,
};

export function isDrActionName(key: string): boolean {
  return Object.hasOwn(DR_ACTIONS, key);
}

/** The expansion of schema-valid `args` (the runbook schema holds every argsSchema). */
export function expandDrAction(name: string, args: unknown): ActionExpansion {
  const action = DR_ACTIONS[name];
  if (!action) throw new Error(`unknown DR action ${name}`);
  return (action.expand as (a: unknown) => ActionExpansion)(args ?? {});
}
