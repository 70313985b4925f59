// Each command module registers itself on the program; keep one file per command.
import type { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerCompletion } from './completion.js';
import { registerDrill } from './drill.js';
import { registerObjects } from './objects.js';
import { registerPlan } from './plan.js';
import { registerPrune } from './prune.js';
import { registerRehearse } from './rehearse.js';
import { registerResume } from './resume.js';
import { registerRollback } from './rollback.js';
import { registerRun } from './run.js';
import { registerRuns } from './runs.js';
import { registerSnapshot } from './snapshot.js';
import { registerUnlock } from './unlock.js';
import { registerValidate } from './validate.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerValidate,
  registerPlan,
  registerRun,
  registerResume,
  registerRollback,
  registerUnlock,
  registerAudit,
  registerRuns,
  registerSnapshot,
  registerRehearse,
  registerDrill,
  registerObjects,
  registerPrune,
  registerCompletion,
];
