// Groups keys by Kubernetes resource type. The apiserver stores objects at
// /registry/<resource>/[<namespace>/]<name>; resources of API groups other than the built-in
// ones are stored as /registry/<group>/<resource>/… (a group name contains a dot).
export const NON_REGISTRY = '(outside /registry)';

/** The resource type a key belongs to, e.g. "pods", "apps.example.com/widgets". */
export function extractResource(key: string): string {
  if (!key.startsWith('/registry/')) return NON_REGISTRY;
  const parts = key.split('/');
  const first = parts[2] ?? '';
  if (first.includes('.') && parts.length > 4) return `${first}/${parts[3] ?? ''}`;
  return first;
}

/** Counts keys per resource type, sorted by resource name. */
export function countByResource(keys: Iterable<string>): Record<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) {
    const r = extractResource(k);
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
