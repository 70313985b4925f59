// Shared types: the contract between parse → plan → engine → reporters/audit (and stepGroups,
// the one rule both the runbook checks and the engine read off a runbook's shape).
export * from './inventory.js';
export * from './runbook.js';
export * from './plan.js';
export * from './events.js';
export * from './transport.js';
export * from './groups.js';
