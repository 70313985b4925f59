// Each command module registers itself on the program; keep one file per command.
import type { Command } from 'commander';
import { registerSnapshot } from './snapshot.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerSnapshot];
