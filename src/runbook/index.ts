// Public surface of src/runbook: runbook YAML → model Runbook.
export { readRunbook, parseRunbook, prepareRunbook, type RunbookResult } from './parse.js';
export { readRunbookFile, loadRunbook } from './load.js';
export { ACTION_KEYS, NODE_ACTION_KEYS } from './actions.js';
export { DEFAULT_TIMEOUT_MS, DEFAULT_BACKOFF_MS } from './build.js';
