// Each command module registers itself on the program; keep one file per command.
import type { Command } from 'commander';
import { registerPlan } from './plan.js';
import { registerSnapshot } from './snapshot.js';
import { registerValidate } from './validate.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerValidate, registerPlan, registerSnapshot];
