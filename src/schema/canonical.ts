// Canonical JSON (sorted keys, no undefined) and sha256: stable hashes for inventories and
// plans, so the same inputs always give the same plan hash. Native JSON.stringify does the
// writing; the replacer only copies objects whose keys are not already in order.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys) ?? 'null';
}

/** sha256 of canonicalJson(value). */
export function canonicalHash(value: unknown): string {
  return sha256(canonicalJson(value));
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  let ordered = true;
  for (let i = 1; i < keys.length && ordered; i++) ordered = (keys[i - 1] ?? '') < (keys[i] ?? '');
  if (ordered) return value;
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) out[key] = (value as Record<string, unknown>)[key];
  return out;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
