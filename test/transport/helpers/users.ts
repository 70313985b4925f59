// Throwaway local users for sudo tests (real sudo, real sshd). Each run uses fresh names and
// removes the users and their sudoers files in afterAll.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';

export interface TestUser {
  name: string;
  password: string;
  remove(): void;
}

export function sudoAvailable(): boolean {
  try {
    execFileSync('sudo', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A user with sudo rights: without a password (`nopasswd`) or only with its password. */
export function createTestUser(sudo: 'nopasswd' | 'password'): TestUser {
  const name = `kdrt${randomBytes(3).toString('hex')}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  execFileSync('useradd', ['-M', '-d', '/tmp', '-s', '/bin/sh', name], { stdio: 'ignore' });
  execFileSync('chpasswd', { input: `${name}:${password}\n` });
  const sudoers = `/etc/sudoers.d/${name}`;
  writeFileSync(sudoers, `${name} ALL=(ALL:ALL) ${sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL\n`, { mode: 0o440 });
  return {
    name,
    password,
    remove: () => {
      rmSync(sudoers, { force: true });
      try {
        execFileSync('userdel', [name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}
