// The operator's identity for audit records. Kept apart so the sink itself reads no globals.
import { hostname, userInfo } from 'node:os';
import type { Operator } from './record.js';

/** OS user and host name; SUDO_USER wins so `sudo kubedr` names the human, not root. */
export function operatorIdentity(env: NodeJS.ProcessEnv = process.env): Operator {
  let user = env['SUDO_USER'] ?? '';
  if (user === '') {
    try {
      user = userInfo().username;
    } catch {
      user = env['USER'] ?? 'unknown';
    }
  }
  return { user, host: hostname() };
}
