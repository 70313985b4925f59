// Where the apiserver stores an object: /registry/<resource>/[<namespace>/]<name> for built-in
// groups, /registry/<group>/<resource>/… for the others (a group name holds a dot). Resources
// are named like kubectl names them: "configmaps", "widgets.example.com". Services and
// Endpoints are the two built-ins kept under an extra path segment.
export const REGISTRY = '/registry/';

/** kubectl resource name → its path under /registry/ where that differs from the name. */
const STORAGE_ALIASES: Readonly<Record<string, string>> = { services: 'services/specs', endpoints: 'services/endpoints' };
const ALIAS_OF_STORAGE = new Map(Object.entries(STORAGE_ALIASES).map(([r, s]) => [s, r]));

export interface ObjectKey {
  key: string;
  /** kubectl-style resource name; '' for keys outside /registry/. */
  resource: string;
  /** Path segments after the resource: [name] (cluster-scoped) or [namespace, name]. */
  rest: string[];
  namespace?: string;
  name: string;
}

/** Splits a key into resource, namespace and name (never throws: odd keys keep their segments). */
export function parseObjectKey(key: string): ObjectKey {
  if (!key.startsWith(REGISTRY)) return { key, resource: '', rest: [key], name: key };
  const parts = key.slice(REGISTRY.length).split('/');
  let resource: string;
  let rest: string[];
  const two = `${parts[0] ?? ''}/${parts[1] ?? ''}`;
  const alias = ALIAS_OF_STORAGE.get(two);
  if (alias !== undefined) {
    resource = alias;
    rest = parts.slice(2);
  } else if ((parts[0] ?? '').includes('.') && parts.length > 2) {
    resource = `${parts[1] ?? ''}.${parts[0] ?? ''}`;
    rest = parts.slice(2);
  } else {
    resource = parts[0] ?? '';
    rest = parts.slice(1);
  }
  const name = rest.at(-1) ?? '';
  return rest.length >= 2 ? { key, resource, rest, namespace: rest.slice(0, -1).join('/'), name } : { key, resource, rest, name };
}

/** `/registry/<storage path>/` of a kubectl-style resource name without globs. */
export function storagePrefix(resource: string): string {
  const alias = STORAGE_ALIASES[resource];
  if (alias !== undefined) return `${REGISTRY}${alias}/`;
  const dot = resource.indexOf('.');
  return dot < 0 ? `${REGISTRY}${resource}/` : `${REGISTRY}${resource.slice(dot + 1)}/${resource.slice(0, dot)}/`;
}
