// Loads the committed etcd 3.4 fixtures and what etcdctl said about them (make-fixtures.ts).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EtcdStatus } from './throwaway-etcd.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface Expected {
  status: EtcdStatus;
  liveKeys: string[];
}

export function fixturePath(name: 'cluster-a' | 'cluster-b'): string {
  return join(FIXTURES, `${name}.db`);
}

/** A fresh copy of the fixture bytes (tests mutate them). */
export function fixtureBytes(name: 'cluster-a' | 'cluster-b'): Buffer {
  return Buffer.from(readFileSync(fixturePath(name)));
}

export function expectedOf(name: 'cluster-a' | 'cluster-b'): Expected {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;
}
