// Shared types only: the contract between parse → plan → engine → reporters/audit.
export * from './inventory.js';
export * from './runbook.js';
export * from './plan.js';
export * from './events.js';
export * from './transport.js';
